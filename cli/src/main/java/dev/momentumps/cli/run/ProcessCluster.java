package dev.momentumps.cli.run;

import dev.momentumps.study.report.CheckpointReports;
import dev.momentumps.study.report.InitialWeights;
import dev.momentumps.server.grpc.TlsConfig;
import dev.momentumps.server.checkpoint.CheckpointReport;
import dev.momentumps.server.checkpoint.CheckpointStore;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.ShardPlan;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.client.FailoverParameterClient;
import dev.momentumps.worker.client.GrpcParameterClient;
import dev.momentumps.worker.client.ReconnectingParameterClient;
import dev.momentumps.worker.client.ShardedParameterClient;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One server JVM and W worker JVMs on this machine, talking gRPC (tensors inline, streamed or through a
 * shared memory region, as the workers' {@code --transport} picks): a real multi-process run. Each process logs to {@code server.log} / {@code worker-R.log} in the run directory. With S > 1
 * shards there are S server JVMs ({@code server-K.log}), each holding its part of the model, and the
 * workers talk to all of them ({@code --servers}).
 *
 * <p>{@link #checkHealth} deals with deaths: a server that dies is started again on its port from its
 * newest valid checkpoint (each shard checkpoints into its own {@code shard-K} subdirectory), and each
 * worker that dies is reported once while the others go on.
 */
public final class ProcessCluster implements Cluster {
    private volatile boolean workersStopped;
    private static final long START_TIMEOUT_MS = 60_000;
    private final Path dir;
    private final List<Process> servers = new ArrayList<>();
    private final List<Process> workers = new ArrayList<>();
    private final List<WorkerLaunch> workerLaunches;
    private final ReconnectingParameterClient monitor;
    private final String token;
    private final java.util.Map<String, String> env;
    private final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
            .connectTimeout(java.time.Duration.ofSeconds(2)).build();
    private float[] initial;
    private final int port;
    private final List<ServerLaunch> serverLaunches = new ArrayList<>();
    private final List<Path> checkpointReports = new ArrayList<>();
    private CheckpointReport surfaced = CheckpointReport.NONE;
    private boolean checkpointsFailing;
    private final List<String> events = new ArrayList<>();
    private final boolean[] reported;
    private int serverRestarts;
    private final RestartLosses losses = new RestartLosses();
    /** the hot standby's process (mps train --standby), or null */
    private Process standby;
    private boolean failedOver;
    /** Restarts made while the monitor waited for a dead server, reported by the next {@link #checkHealth}. */
    private final List<String> restartedMeanwhile = new ArrayList<>();

    /**
     * Starts the servers, then the workers.
     *
     * @param server  the (first) server; with {@code shards > 1} each shard is {@link ServerLaunch#forShard} of it
     * @param shards  number of server processes, each holding one part of the model (1: one ordinary server)
     * @param workers one launch per rank (Java or Python workers, in any mix)
     * @param layout  the model's layout (needed when {@code shards > 1}, for the monitor's shard plan)
     */
    public ProcessCluster(Path dir, ServerLaunch server, int shards, List<WorkerLaunch> workers, TensorLayout layout)
            throws IOException, InterruptedException {
        this(dir, server, shards, workers, layout, null);
    }

    /**
     * As above, protected by a bearer {@code token} (null for none): the servers demand it and the workers
     * send it (both read it from {@code MPS_TOKEN} in their environment, never from an argument), and so do
     * the monitor and the scrapes of {@link #metrics}.
     */
    public ProcessCluster(Path dir, ServerLaunch server, int shards, List<WorkerLaunch> workers, TensorLayout layout,
                          String token) throws IOException, InterruptedException {
        this(dir, server, shards, workers, layout, token, false);
    }

    /**
     * As above; with {@code withStandby} (one unsharded server, Java or Python workers) a hot standby process starts first
     * ({@code standby.log}), the server replicates to it ({@code --standby}), the workers and the monitor fail
     * over to it ({@code --failover}), and a server that dies is not restarted: the standby serves.
     */
    public ProcessCluster(Path dir, ServerLaunch server, int shards, List<WorkerLaunch> workers, TensorLayout layout,
                          String token, boolean withStandby) throws IOException, InterruptedException {
        this.dir = dir;
        this.token = token;
        java.util.Map<String, String> e = new java.util.HashMap<>();
        if (token != null) {
            e.put(dev.momentumps.server.grpc.Tokens.ENV, token);
        }
        String standbyAddress = null;
        if (withStandby) {
            if (shards != 1) {
                throw new IllegalArgumentException("--standby works with one server, not with --shards");
            }
            ServerLaunch s = server.standby(dir);
            Files.deleteIfExists(s.portFile());
            if (s.checkpointReport() != null) {
                Files.deleteIfExists(s.checkpointReport());
                checkpointReports.add(s.checkpointReport()); // it checkpoints once it takes over: summed
            }
            standby = s.start(token == null ? java.util.Map.of() : java.util.Map.of(dev.momentumps.server.grpc.Tokens.ENV, token));
            standbyAddress = "127.0.0.1:" + awaitFile(s.portFile(), standby, s.log());
            server = server.replicatingTo(standbyAddress);
            e.put("MPS_FAILOVER", standbyAddress);
        }
        this.env = java.util.Map.copyOf(e);
        this.workerLaunches = List.copyOf(workers);
        List<String> addresses;
        if (shards == 1) {
            startServer(server);
            port = awaitPort(server.portFile(), 0);
            serverLaunches.set(0, server.onPort(port)); // a restart binds the same port
            addresses = List.of("127.0.0.1:" + port);
            ManagedChannel channel = Channels.forAddress(addresses.get(0), "server", TlsConfig.NONE, token);
            ParameterClient direct = new GrpcParameterClient(channel, true, 30_000);
            if (standbyAddress != null) {
                direct = new FailoverParameterClient(List.of(direct, new GrpcParameterClient(
                        Channels.forAddress(standbyAddress, "standby", TlsConfig.NONE, token), true, 30_000)),
                        List.of(addresses.get(0), standbyAddress), 120_000, 1, msg -> { });
            }
            monitor = new ReconnectingParameterClient(direct, 100, 2_000, 120_000, 1, msg -> { }, () -> {
                restartDeadServers();
                channel.resetConnectBackoff();
            });
        } else {
            addresses = freeLoopbackAddresses(shards);
            for (int k = 0; k < shards; k++) {
                startServer(server.forShard(k, addresses, dir));
            }
            for (int k = 0; k < shards; k++) {
                awaitPort(serverLaunches.get(k).portFile(), k);
            }
            port = serverLaunches.get(0).port();
            List<ManagedChannel> channels = new ArrayList<>();
            for (String a : addresses) {
                channels.add(Channels.forAddress(a, "server", TlsConfig.NONE, token));
            }
            monitor = new ReconnectingParameterClient(new ShardedParameterClient(channels, layout,
                    ShardPlan.DEFAULT_SPLIT_THRESHOLD, 30_000), 100, 2_000, 120_000, 1, msg -> { },
                    () -> {
                        restartDeadServers();
                        channels.forEach(ManagedChannel::resetConnectBackoff);
                    });
        }
        for (WorkerLaunch w : workerLaunches) {
            this.workers.add(w.start(addresses, env));
        }
        reported = new boolean[this.workers.size()];
    }

    private void startServer(ServerLaunch launch) throws IOException {
        for (Path stale : new Path[] {launch.portFile(), launch.initialWeights(), launch.dashboardPortFile()}) {
            if (stale != null) {
                Files.deleteIfExists(stale);
            }
        }
        if (launch.checkpointReport() != null) {
            Files.deleteIfExists(launch.checkpointReport());
            checkpointReports.add(launch.checkpointReport());
        }
        serverLaunches.add(launch);
        servers.add(launch.start(env));
    }

    /** The first (or only) server process; tests kill it to inject a crash. */
    public Process serverProcess() {
        return servers.get(0);
    }

    /** The worker processes by rank; tests kill one to inject a crash. */
    public List<Process> workerProcesses() {
        return List.copyOf(workers);
    }

    /** Times a server was restarted after it died. */
    public int serverRestarts() {
        return serverRestarts;
    }

    @Override
    public synchronized List<String> checkHealth() throws IOException, InterruptedException {
        List<String> now = new ArrayList<>(restartedMeanwhile);
        restartedMeanwhile.clear();
        for (int rank = 0; rank < workers.size(); rank++) {
            Process p = workers.get(rank);
            if (!reported[rank] && !p.isAlive() && p.exitValue() != 0) {
                reported[rank] = true;
                now.add("worker " + rank + " died (" + exitDescription(p.exitValue()) + "); the others go on");
            }
        }
        for (int k = 0; k < servers.size(); k++) {
            if (standby != null && !servers.get(k).isAlive()) {
                if (!failedOver) {
                    failedOver = true;
                    now.add("server died (" + exitDescription(servers.get(k).exitValue()) + "); the workers fail over "
                            + "to the hot standby, which serves from the same state");
                }
            } else if (!servers.get(k).isAlive() && !workersDone()) {
                now.add(restart(k));
            }
        }
        if (serverRestarts > 0) {
            now.addAll(losses.scan(workerLogs()));
        }
        String checkpointEvent = checkpointEvent();
        if (checkpointEvent != null) {
            now.add(checkpointEvent);
        }
        events.addAll(now);
        return now;
    }

    /**
     * Restarts the servers that died, from the monitor's retries: a server that dies while the monitor is
     * asking it for its status would otherwise keep the monitor waiting (and {@link #checkHealth} with it)
     * until it gives up.
     */
    private synchronized void restartDeadServers() {
        if (standby != null) {
            return; // with a hot standby a dead server is not restarted: the standby serves
        }
        try {
            for (int k = 0; k < servers.size(); k++) {
                if (!servers.get(k).isAlive() && !workersDone()) {
                    String event = restart(k);
                    restartedMeanwhile.add(event);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A line when the servers' checkpoints start failing (a new error) or succeed again after failures, from
     * their report files; null when nothing changed that way since the last line.
     */
    private String checkpointEvent() {
        CheckpointReport r = checkpoints();
        if (r == null) {
            return null;
        }
        CheckpointReport before = surfaced;
        surfaced = r;
        if (r.failures() > before.failures() && !checkpointsFailing) {
            checkpointsFailing = true;
            return "checkpoint failed: " + r.lastError() + " (the server retries with backoff; training goes on)";
        }
        if (checkpointsFailing && r.written() > before.written() && r.failures() == before.failures()) {
            checkpointsFailing = false;
            return "checkpoints are written again (" + r.written() + " written, " + r.failures() + " failed attempts)";
        }
        return null;
    }

    @Override
    public synchronized CheckpointReport checkpoints() {
        return checkpointReports.isEmpty() ? null : CheckpointReports.sum(checkpointReports);
    }

    /** Starts dead server {@code k} again on its port, from its newest valid checkpoint when it has one. */
    private String restart(int k) throws IOException {
        String who = servers.size() == 1 ? "server" : "server shard " + k;
        String what = who + " died (" + exitDescription(servers.get(k).exitValue()) + ")";
        ServerLaunch before = serverLaunches.get(k);
        Path ckpt = before.checkpoints();
        serverRestarts++;
        // what the restarted server will resume: it reads the same newest valid checkpoint
        CheckpointStore.Loaded newest = ckpt == null ? null : new CheckpointStore(ckpt, 1).loadNewestValid(m -> { });
        long seen = monitor.lastVersionSeen();
        ServerLaunch again = before.restarted(serverRestarts, newest != null);
        if (again.checkpointReport() != null) {
            checkpointReports.add(again.checkpointReport()); // a restarted server counts from zero: summed
        }
        serverLaunches.set(k, again);
        servers.set(k, again.start(env));
        long lost = newest == null ? 0 : Math.max(0, seen - newest.snapshot().version());
        losses.restarted(lost);
        return what + " after version " + seen + " was seen here; restarted on its port " + (newest != null
                ? "from checkpoint version " + newest.snapshot().version() + (lost > 0 ? ": at least " + lost
                + " updates lost" : "") + " (the workers report what they saw as they reconnect)"
                : "without a checkpoint: the workers start the model again");
    }

    /** worker-R.log of every worker, by rank. */
    private List<Path> workerLogs() {
        List<Path> logs = new ArrayList<>();
        for (int rank = 0; rank < workers.size(); rank++) {
            logs.add(dir.resolve("worker-" + rank + ".log"));
        }
        return logs;
    }

    /** "exit code 3", or the signal for 128 + n. */
    static String exitDescription(int code) {
        return switch (code) {
            case 137 -> "killed by SIGKILL";
            case 143 -> "killed by SIGTERM";
            case 130 -> "killed by SIGINT";
            default -> "exit code " + code;
        };
    }

    /** Everything {@link #checkHealth} has reported so far. */
    public synchronized List<String> events() {
        return List.copyOf(events);
    }

    /** S loopback addresses on ports free right now (the OS could hand one out again before a shard binds it). */
    private static List<String> freeLoopbackAddresses(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        List<String> out = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                held.add(s);
                out.add("127.0.0.1:" + s.getLocalPort());
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        return out;
    }

    public int port() {
        return port;
    }

    /** The weights the (unsharded) server started from, once a worker has initialised it; null otherwise. */
    @Override
    public synchronized float[] initialWeights() throws IOException {
        if (initial == null) {
            initial = InitialWeights.read(serverLaunches.get(0).initialWeights());
        }
        return initial;
    }

    /**
     * The server's (shard 0's) {@code /metrics}, scraped from its dashboard port on loopback with the token;
     * null while it is not up (starting, restarting).
     */
    @Override
    public String metrics() {
        Path portFile = serverLaunches.get(0).dashboardPortFile();
        try {
            if (portFile == null || !Files.exists(portFile)) {
                return null;
            }
            int metricsPort = Integer.parseInt(Files.readString(portFile).trim());
            java.net.http.HttpRequest.Builder get = java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .timeout(java.time.Duration.ofSeconds(5));
            if (token != null) {
                get.header("Authorization", "Bearer " + token);
            }
            java.net.http.HttpResponse<String> r = http.send(get.build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException | NumberFormatException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** A JVM running {@code mps ARGS} with this JVM's classpath, logging to {@code log}. */
    static Process start(List<String> args, Path log) throws IOException {
        return MpsProcesses.start(args, log);
    }

    private int awaitPort(Path portFile, int shard) throws IOException, InterruptedException {
        String log = servers.size() == 1 ? "server.log" : "server-" + shard + ".log";
        return awaitFile(portFile, servers.get(shard), dir.resolve(log));
    }

    /** The port {@code server} writes to {@code portFile} once it listens; its log's tail if it exits first. */
    private static int awaitFile(Path portFile, Process server, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        while (System.nanoTime() < deadline) {
            if (Files.exists(portFile)) {
                return Integer.parseInt(Files.readString(portFile).trim());
            }
            if (!server.isAlive()) {
                throw new IOException("the server exited with code " + server.exitValue() + " before listening:\n"
                        + tail(log));
            }
            Thread.sleep(20);
        }
        server.destroyForcibly();
        throw new IOException("the server did not start listening within " + START_TIMEOUT_MS + " ms");
    }

    public static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public String transport() {
        long python = workerLaunches.stream().filter(WorkerLaunch::isPython).count();
        return workers.size() + " worker processes on this host"
                + (python == 0 ? "" : python == workers.size() ? " (Python)" : " (" + python + " Python)")
                + (servers.size() > 1 ? ", " + servers.size() + " server shards" : "");
    }

    @Override
    public ParameterClient monitor() {
        return monitor;
    }

    @Override
    public boolean workersDone() {
        for (Process p : workers) {
            if (p.isAlive()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public List<String> failures() {
        List<String> out = new ArrayList<>();
        if (workersStopped) {
            return out;
        }
        for (int rank = 0; rank < workers.size(); rank++) {
            Process p = workers.get(rank);
            if (!p.isAlive() && p.exitValue() != 0) {
                out.add("worker " + rank + " " + exitDescription(p.exitValue()) + ":\n"
                        + tail(dir.resolve("worker-" + rank + ".log")));
            }
        }
        return out;
    }

    /** SIGTERM to the servers: their shutdown hooks flush and close {@code updates.csv}. */
    @Override
    public void stopServer() throws InterruptedException {
        for (Process s : servers) {
            stop(s);
        }
    }

    @Override
    public void stopWorkers() throws InterruptedException {
        workersStopped = true;
        stopAll(workers);
    }

    /** Workers first (all at once), then the servers, which write their final checkpoints as they stop. */
    @Override
    public void close() throws Exception {
        monitor.close();
        stopAll(workers);
        stopAll(servers);
        if (standby != null) {
            stopAll(List.of(standby));
        }
    }

    /** The hot standby's process, or null without one. */
    public Process standbyProcess() {
        return standby;
    }

    /** SIGTERM to each, then SIGKILL to any that has not exited within ten seconds. */
    private static void stopAll(List<Process> ps) throws InterruptedException {
        for (Process p : ps) {
            p.destroy();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Process p : ps) {
            if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited within ten seconds. */
    public static void stop(Process p) throws InterruptedException {
        if (p.isAlive()) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
