package dev.momentumps.cli.run;

import dev.momentumps.server.checkpoint.CheckpointStore;
import dev.momentumps.worker.client.GrpcParameterClient;
import dev.momentumps.worker.client.ParameterClient;
import dev.momentumps.worker.client.ReconnectingParameterClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One server JVM and W worker JVMs on this machine, talking gRPC over loopback TCP: a real multi-process
 * run. Each process logs to {@code server.log} / {@code worker-R.log} in the run directory.
 */
public final class ProcessCluster implements Cluster {
    private static final long START_TIMEOUT_MS = 60_000;
    private final Path dir;
    private Process server;
    private final List<Process> workers = new ArrayList<>();
    private final ReconnectingParameterClient monitor;
    private final int port;
    private final List<String> serverArgs;
    private final Path checkpoints;
    private final List<String> events = new ArrayList<>();
    private final boolean[] reported;
    private int serverRestarts;

    /**
     * @param serverArgs arguments of {@code mps server} (port and files are added here)
     * @param workerArgs per rank, arguments of {@code mps worker} (the server address is added here)
     */
    public ProcessCluster(Path dir, List<String> serverArgs, List<List<String>> workerArgs) throws IOException,
            InterruptedException {
        this.dir = dir;
        this.checkpoints = checkpointDirOf(serverArgs);
        Path portFile = dir.resolve("server.port");
        Files.deleteIfExists(portFile);
        List<String> s = new ArrayList<>(List.of("server", "--port", "0", "--port-file", portFile.toString(),
                "--metrics", dir.resolve("updates.csv").toString()));
        s.addAll(serverArgs);
        server = start(s, dir.resolve("server.log"));
        port = awaitPort(portFile);
        this.serverArgs = new ArrayList<>(s);
        GrpcParameterClient grpc = new GrpcParameterClient(Channels.forAddress("127.0.0.1:" + port, "server"), true,
                30_000);
        monitor = new ReconnectingParameterClient(grpc, 100, 2_000, 120_000, 1, msg -> { }, grpc::resetConnectBackoff);
        for (int rank = 0; rank < workerArgs.size(); rank++) {
            List<String> w = new ArrayList<>(List.of("worker", "--server", "127.0.0.1:" + port));
            w.addAll(workerArgs.get(rank));
            workers.add(start(w, dir.resolve("worker-" + rank + ".log")));
        }
        reported = new boolean[workers.size()];
    }

    /** The value of {@code --checkpoint-dir} (or else {@code --resume}) in the server's arguments, or null. */
    private static Path checkpointDirOf(List<String> args) {
        Path resume = null;
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).equals("--checkpoint-dir")) {
                return Path.of(args.get(i + 1));
            }
            if (args.get(i).equals("--resume")) {
                resume = Path.of(args.get(i + 1));
            }
        }
        return resume;
    }

    /** The server process (tests kill it to inject a crash). */
    public Process serverProcess() {
        return server;
    }

    /** The worker processes by rank (tests kill one to inject a crash). */
    public List<Process> workerProcesses() {
        return List.copyOf(workers);
    }

    /** Times the server was restarted after it died. */
    public int serverRestarts() {
        return serverRestarts;
    }

    /**
     * Notices deaths: a dead server is restarted on the same port from its newest valid checkpoint (when it
     * writes checkpoints), and each worker that died is reported once. @return lines describing what happened
     */
    @Override
    public synchronized List<String> checkHealth() throws IOException, InterruptedException {
        List<String> now = new ArrayList<>();
        for (int rank = 0; rank < workers.size(); rank++) {
            Process p = workers.get(rank);
            if (!reported[rank] && !p.isAlive() && p.exitValue() != 0) {
                reported[rank] = true;
                now.add("worker " + rank + " died (" + exitDescription(p.exitValue()) + "); the others go on");
            }
        }
        if (!server.isAlive() && !workersDone() && checkpoints != null) {
            String what = "server died (" + exitDescription(server.exitValue()) + ")";
            List<String> args = new ArrayList<>(serverArgs);
            int i = args.indexOf("--port");
            args.set(i + 1, Integer.toString(port));
            int mf = args.indexOf("--metrics");
            args.set(mf + 1, dir.resolve("updates-restart-" + (serverRestarts + 1) + ".csv").toString());
            int pf = args.indexOf("--port-file");
            args.remove(pf + 1);
            args.remove(pf);
            if (!args.contains("--resume") && hasCheckpoint()) {
                args.add("--resume");
                args.add(checkpoints.toString());
            }
            // what the restarted server will resume (it reads the same newest valid checkpoint)
            CheckpointStore.Loaded newest = new CheckpointStore(checkpoints, 1).loadNewestValid(m -> { });
            long resumed = newest == null ? 0 : newest.snapshot().version();
            long seen = monitor.lastVersionSeen();
            serverRestarts++;
            server = start(args, dir.resolve("server-restart-" + serverRestarts + ".log"));
            now.add(what + " after version " + seen + " was seen; restarted on port " + port
                    + (newest != null ? " from checkpoint version " + resumed + ": at least " + Math.max(0, seen - resumed)
                    + " updates lost" : " without a checkpoint: the workers start the model again"));
        }
        events.addAll(now);
        return now;
    }

    private boolean hasCheckpoint() throws IOException {
        return !new CheckpointStore(checkpoints, 1).list().isEmpty();
    }

    /** "exit code 3", or "killed by SIGKILL" for 137. */
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

    public int port() {
        return port;
    }

    private static Process start(List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-Djava.awt.headless=true", "-cp",
                System.getProperty("java.class.path"), "dev.momentumps.cli.Main"));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private int awaitPort(Path portFile) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        while (System.nanoTime() < deadline) {
            if (Files.exists(portFile)) {
                return Integer.parseInt(Files.readString(portFile).trim());
            }
            if (!server.isAlive()) {
                throw new IOException("the server exited with code " + server.exitValue() + " before listening:\n"
                        + tail(dir.resolve("server.log")));
            }
            Thread.sleep(20);
        }
        server.destroyForcibly();
        throw new IOException("the server did not start listening within " + START_TIMEOUT_MS + " ms");
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public String transport() {
        return "grpc over loopback TCP, " + workers.size() + " worker processes";
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
        for (int rank = 0; rank < workers.size(); rank++) {
            Process p = workers.get(rank);
            if (!p.isAlive() && p.exitValue() != 0) {
                out.add("worker " + rank + " " + exitDescription(p.exitValue()) + ":\n"
                        + tail(dir.resolve("worker-" + rank + ".log")));
            }
        }
        return out;
    }

    /** Workers first (all at once), then the server, which writes its final checkpoint as it stops. */
    @Override
    public void close() throws Exception {
        monitor.close();
        stopAll(workers);
        stopAll(List.of(server));
    }

    /** SIGTERM to each, then SIGKILL to any that has not exited within ten seconds. */
    private static void stopAll(List<Process> ps) throws InterruptedException {
        for (Process p : ps) {
            p.destroy();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Process p : ps) {
            long left = deadline - System.nanoTime();
            if (!p.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
