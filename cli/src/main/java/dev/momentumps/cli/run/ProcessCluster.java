package dev.momentumps.cli.run;

import dev.momentumps.worker.client.GrpcParameterClient;
import dev.momentumps.worker.client.ParameterClient;
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
    private final Process server;
    private final List<Process> workers = new ArrayList<>();
    private final GrpcParameterClient monitor;
    private final int port;

    /**
     * @param serverArgs arguments of {@code mps server} (port and files are added here)
     * @param workerArgs per rank, arguments of {@code mps worker} (the server address is added here)
     */
    public ProcessCluster(Path dir, List<String> serverArgs, List<List<String>> workerArgs) throws IOException,
            InterruptedException {
        this.dir = dir;
        Path portFile = dir.resolve("server.port");
        Files.deleteIfExists(portFile);
        List<String> s = new ArrayList<>(List.of("server", "--port", "0", "--port-file", portFile.toString(),
                "--metrics", dir.resolve("updates.csv").toString()));
        s.addAll(serverArgs);
        server = start(s, dir.resolve("server.log"));
        port = awaitPort(portFile);
        monitor = new GrpcParameterClient(Channels.forAddress("127.0.0.1:" + port, "server"), true, 30_000);
        for (int rank = 0; rank < workerArgs.size(); rank++) {
            List<String> w = new ArrayList<>(List.of("worker", "--server", "127.0.0.1:" + port));
            w.addAll(workerArgs.get(rank));
            workers.add(start(w, dir.resolve("worker-" + rank + ".log")));
        }
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
                out.add("worker " + rank + " exited with code " + p.exitValue() + ":\n"
                        + tail(dir.resolve("worker-" + rank + ".log")));
            }
        }
        return out;
    }

    /** SIGTERM to the server: its shutdown hook flushes and closes {@code updates.csv}. */
    @Override
    public void stopServer() throws InterruptedException {
        stop(server);
    }

    @Override
    public void close() throws Exception {
        monitor.close();
        for (Process p : workers) {
            stop(p);
        }
        stop(server);
    }

    /** SIGTERM, then SIGKILL if it has not exited within ten seconds. */
    private static void stop(Process p) throws InterruptedException {
        if (p.isAlive()) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
