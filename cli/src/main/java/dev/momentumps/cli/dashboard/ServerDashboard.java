package dev.momentumps.cli.dashboard;

import dev.momentumps.cli.options.DashboardOptions;
import dev.momentumps.server.core.ParameterServerCore;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dashboard of a standalone {@code mps server}: the same page as {@code mps train}'s, fed from the core's
 * status (read when the page asks, at most every 250 ms); it has no data set, so no whole-set loss, only the
 * minibatch losses the workers report. {@code /metrics} is served beside it.
 */
public final class ServerDashboard {
    private final ParameterServerCore core;
    private final LiveRun run = new LiveRun();
    private final long start = System.nanoTime();

    public ServerDashboard(ParameterServerCore core, List<String> args) {
        this.core = core;
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("args", "server " + String.join(" ", args));
        run.configure("parameter server", config, 0);
    }

    /** Starts the page and {@code /metrics} as {@code options} say; prints the address. */
    public DashboardServer start(DashboardOptions options, String token, ServerMetrics metrics, PrintStream out)
            throws IOException {
        return options.start(token, this::json, metrics::scrape, out);
    }

    private String json() {
        run.status(core.status(), (System.nanoTime() - start) / 1e9);
        return run.json();
    }
}
