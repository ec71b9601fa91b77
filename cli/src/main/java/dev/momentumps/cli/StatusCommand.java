package dev.momentumps.cli;

import dev.momentumps.cli.dashboard.LiveRun;
import dev.momentumps.cli.options.ClientSecurityOptions;
import dev.momentumps.cli.run.Channels;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.worker.client.GrpcParameterClient;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mps status HOST:PORT}: one server's state, from its Status RPC. */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Print a running server's state: version, gradients applied and dropped, staleness, "
                + "and every worker's pushes, staleness and whether it is alive.")
final class StatusCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The server's gRPC address.")
    String address;

    @Option(names = "--json", description = "Print the state as JSON (the dashboard's format) instead of text.")
    boolean json;

    @Option(names = "--deadline-ms", paramLabel = "MS", defaultValue = "5000",
            description = "Give up when the server has not answered within this long. Default: ${DEFAULT-VALUE}.")
    long deadlineMillis;

    @Mixin
    ClientSecurityOptions security = new ClientSecurityOptions();

    @Override
    public Integer call() {
        if (deadlineMillis < 1) {
            throw new IllegalArgumentException("--deadline-ms must be >= 1, got " + deadlineMillis);
        }
        ServerStatus s;
        try (GrpcParameterClient client = new GrpcParameterClient(Channels.forAddress(address, "HOST:PORT",
                security.tls(), security.token()), true, deadlineMillis)) {
            s = client.status();
        }
        PrintStream out = System.out;
        if (json) {
            LiveRun run = new LiveRun();
            run.status(s, 0);
            out.println(run.json());
            return 0;
        }
        print(address, s, out);
        return 0;
    }

    static void print(String address, ServerStatus s, PrintStream out) {
        out.printf(Locale.ROOT, "server %s: %s, mode %s%s%n", address, s.updateRule(), s.mode().cliName(),
                s.stalenessBound() > 0 ? " (staleness bound " + s.stalenessBound() + ")" : "");
        if (!s.initialized()) {
            out.printf(Locale.ROOT, "  not initialised yet: %d workers registered%n", s.workers().size());
        } else {
            out.printf(Locale.ROOT, "  version       %d (%d parameters)%n", s.version(), s.numElements());
        }
        out.printf(Locale.ROOT, "  gradients     %d applied, %d dropped%n", s.gradientsApplied(), s.gradientsDropped());
        out.printf(Locale.ROOT, "  staleness     mean %.3f, max %d%n", s.staleness().mean(), s.staleness().max());
        if (!Double.isNaN(s.recentLoss())) {
            out.printf(Locale.ROOT, "  recent loss   %.6g (mean minibatch loss of the last pushes)%n", s.recentLoss());
        }
        int alive = 0;
        for (ServerStatus.Worker w : s.workers()) {
            alive += w.alive() ? 1 : 0;
        }
        out.printf(Locale.ROOT, "  workers       %d registered, %d alive%n", s.workers().size(), alive);
        if (!s.workers().isEmpty()) {
            out.printf(Locale.ROOT, "  %4s %5s %-20s %-6s %10s %8s %6s%n", "id", "rank", "name", "state", "pushes",
                    "mean τ", "max τ");
            for (ServerStatus.Worker w : s.workers()) {
                out.printf(Locale.ROOT, "  %4d %5d %-20s %-6s %10d %8.3f %6d%n", w.id(), w.rank(),
                        w.name().length() > 20 ? w.name().substring(0, 20) : w.name(), w.alive() ? "alive" : "gone",
                        w.pushes(), w.meanStaleness(), w.maxStaleness());
            }
        }
    }
}
