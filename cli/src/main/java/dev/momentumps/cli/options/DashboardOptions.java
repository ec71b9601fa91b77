package dev.momentumps.cli.options;

import dev.momentumps.cli.dashboard.DashboardServer;
import java.io.IOException;
import java.io.PrintStream;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/** Where the live dashboard (and a server's {@code /metrics}) is served: a port or off, and the address. */
public final class DashboardOptions {

    @Option(names = "--dashboard", paramLabel = "PORT|off",
            description = "Serve the live dashboard (and a server's /metrics) on this port; 0 picks a free one; "
                    + "off: none. Default: ${DEFAULT-VALUE}.")
    public String dashboard;

    @Option(names = "--dashboard-host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address the dashboard listens on; 0.0.0.0 for every interface. Default: ${DEFAULT-VALUE} "
                    + "(loopback only).")
    public String host = "127.0.0.1";

    /** @param byDefault {@code 0} (an ephemeral port) or {@code off} */
    public DashboardOptions(String byDefault) {
        this.dashboard = byDefault;
    }

    /** The port, or -1 for off. */
    public int port() {
        if (dashboard == null || dashboard.equalsIgnoreCase("off")) {
            return -1;
        }
        try {
            int p = Integer.parseInt(dashboard.strip());
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--dashboard must be a port in [0, 65535] or 'off', got '"
                    + dashboard + "'");
        }
    }

    /**
     * Starts the dashboard and prints its address on {@code out}; null when off.
     *
     * @param token   the bearer token it demands; null for none
     * @param metrics the {@code /metrics} text; null for none
     */
    public DashboardServer start(String token, Supplier<String> run, Supplier<String> metrics, PrintStream out)
            throws IOException {
        int port = port();
        if (port < 0) {
            return null;
        }
        DashboardServer server = new DashboardServer(host, port, token, run, metrics);
        out.println("dashboard: " + server.url() + (token != null ? " (bearer token needed: open it as "
                + server.url() + "?token=<token>)" : "") + (metrics != null ? "  metrics: " + server.url() + "metrics" : ""));
        out.flush();
        return server;
    }
}
