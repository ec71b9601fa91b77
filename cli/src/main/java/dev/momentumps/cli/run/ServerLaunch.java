package dev.momentumps.cli.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to start one {@code mps server} process of a run, as typed fields; {@link #args} builds its command
 * line. A restart or a shard is a new record made from this one ({@link #restarted}, {@link #forShard}),
 * never an edited argument list.
 *
 * @param options       the server's other options (update rule, consistency, recovery policy, ...)
 * @param port          the port to bind (0: a free one, written to {@code portFile})
 * @param portFile      where the bound port is written once listening; null for none
 * @param metrics       the CSV of applied updates; null for none
 * @param checkpointDir where checkpoints go; null for none
 * @param resume        the directory to resume from; null to start fresh
 * @param trajectory    where every version's weights go (implicit-momentum fit); null for none
 * @param initialWeights where the weights it starts from go (the reports' update 0); null for none
 * @param dashboardPortFile where the port of its {@code /metrics} (and dashboard, on loopback) is written;
 *                      null for no dashboard
 * @param checkpointReport where the server reports its checkpoints written and failed; null for none
 * @param shard         this server's place among S shards; null for an unsharded server
 * @param log           the process's stdout and stderr
 */
public record ServerLaunch(List<String> options, int port, Path portFile, Path metrics, Path checkpointDir,
                           Path resume, Path trajectory, Path initialWeights, Path dashboardPortFile,
                           Path checkpointReport, Shard shard, Path log) {

    /** Shard {@code index} of the servers at {@code addresses}, in shard order. */
    public record Shard(int index, List<String> addresses) {
        public Shard {
            addresses = List.copyOf(addresses);
        }
    }

    public ServerLaunch {
        options = List.copyOf(options);
    }

    /** An unsharded server on a free port. */
    public static ServerLaunch of(List<String> options, Path checkpointDir, Path resume, Path trajectory, Path dir) {
        return new ServerLaunch(options, 0, dir.resolve("server.port"), dir.resolve("updates.csv"), checkpointDir,
                resume, trajectory, dir.resolve("initial-weights.f32"), dir.resolve("server-dashboard.port"),
                checkpointDir == null && resume == null ? null
                : dir.resolve("checkpoint-report.json"), null, dir.resolve("server.log"));
    }

    /**
     * Shard {@code k} of {@code addresses}: its port, port file, log and checkpoint subdirectory
     * ({@code shard-K}: shards write the same versions, so they must not share one); shard 0 keeps the metrics
     * file (every shard applies every gradient) and the {@code /metrics} port; the trajectory and the initial
     * weights go (no shard holds the whole model).
     */
    public ServerLaunch forShard(int k, List<String> addresses, Path dir) {
        String address = addresses.get(k);
        return new ServerLaunch(options, Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)),
                dir.resolve("server-" + k + ".port"), k == 0 ? metrics : null,
                checkpointDir == null ? null : checkpointDir.resolve("shard-" + k),
                resume == null ? null : resume.resolve("shard-" + k), null, null, k == 0 ? dashboardPortFile : null,
                checkpointReport == null ? null : dir.resolve("checkpoint-report-shard-" + k + ".json"),
                new Shard(k, addresses), dir.resolve("server-" + k + ".log"));
    }

    /** This server bound to {@code port} (a restart binds the port the first start was given). */
    /**
     * The hot standby of this server ({@code --as-standby}, same training options): a free port written to
     * {@code standby.port}, its own log, no metrics (its state comes from the primary); this server's
     * checkpoint directory, which it writes to once it takes over, with its own report
     * ({@code checkpoint-report-standby.json}).
     */
    public ServerLaunch standby(Path dir) {
        List<String> o = new ArrayList<>(options);
        o.add("--as-standby");
        return new ServerLaunch(o, 0, dir.resolve("standby.port"), null, checkpoints(), null, null, null, null,
                checkpointReport == null ? null : dir.resolve("checkpoint-report-standby.json"), null,
                dir.resolve("standby.log"));
    }

    /** This server replicating to the hot standby at {@code address} ({@code --standby}). */
    public ServerLaunch replicatingTo(String address) {
        List<String> o = new ArrayList<>(options);
        o.addAll(List.of("--standby", address));
        return new ServerLaunch(o, port, portFile, metrics, checkpointDir, resume, trajectory, initialWeights,
                dashboardPortFile, checkpointReport, shard, log);
    }

    public ServerLaunch onPort(int bound) {
        return new ServerLaunch(options, bound, portFile, metrics, checkpointDir, resume, trajectory, initialWeights,
                dashboardPortFile, checkpointReport, shard, log);
    }

    /**
     * The {@code n}-th restart after a death: same port, no port file, its own metrics file, checkpoint
     * report (it counts from zero) and log, resumed from the checkpoint directory when {@code fromCheckpoint};
     * its {@code /metrics} port goes to the same file (its counters start again from zero), its starting weights
     * nowhere (update 0 is the first start's).
     */
    public ServerLaunch restarted(int n, boolean fromCheckpoint) {
        String base = shard == null ? "server" : "server-" + shard.index();
        Path dir = log.getParent();
        return new ServerLaunch(options, port, null, metrics == null ? null : dir.resolve("updates-restart-" + n + ".csv"),
                checkpointDir, fromCheckpoint ? checkpoints() : resume, trajectory, null, dashboardPortFile,
                checkpointReport == null ? null : dir.resolve("checkpoint-report-restart-" + n + ".json"), shard,
                dir.resolve(base + "-restart-" + n + ".log"));
    }

    /** Where this server's checkpoints go: {@code checkpointDir}, else the resume directory (as the server does). */
    public Path checkpoints() {
        return checkpointDir != null ? checkpointDir : resume;
    }

    /** The arguments of {@code mps}. */
    public List<String> args() {
        List<String> a = new ArrayList<>(List.of("server", "--port", Integer.toString(port)));
        add(a, "--port-file", portFile);
        if (shard != null) {
            a.addAll(List.of("--shard-index", Integer.toString(shard.index()), "--shards",
                    String.join(",", shard.addresses())));
        }
        add(a, "--metrics", metrics);
        add(a, "--checkpoint-dir", checkpointDir);
        add(a, "--resume", resume);
        add(a, "--trajectory", trajectory);
        add(a, "--initial-weights", initialWeights);
        if (dashboardPortFile != null) {
            a.addAll(List.of("--dashboard", "0"));
            add(a, "--dashboard-port-file", dashboardPortFile);
        }
        add(a, "--checkpoint-report", checkpointReport);
        a.addAll(options);
        return a;
    }

    /** @param env added to the process's environment (the bearer token as {@code MPS_TOKEN}) */
    public Process start(java.util.Map<String, String> env) throws IOException {
        return MpsProcesses.start(args(), log, env);
    }

    private static void add(List<String> a, String flag, Path value) {
        if (value != null) {
            a.add(flag);
            a.add(value.toString());
        }
    }
}
