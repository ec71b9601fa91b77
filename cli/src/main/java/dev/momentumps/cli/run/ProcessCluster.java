package dev.momentumps.cli.run;

import dev.momentumps.server.core.ShardPlan;
import dev.momentumps.server.core.TensorLayout;
import dev.momentumps.worker.client.GrpcParameterClient;
import dev.momentumps.worker.client.ParameterClient;
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
 * One server JVM and W worker JVMs on this machine, talking gRPC over loopback TCP: a real multi-process
 * run. Each process logs to {@code server.log} / {@code worker-R.log} in the run directory. With S > 1
 * shards there are S server JVMs ({@code server-K.log}), each holding its part of the model, and the
 * workers talk to all of them ({@code --servers}).
 */
public final class ProcessCluster implements Cluster {
    private static final long START_TIMEOUT_MS = 60_000;
    private final Path dir;
    private final List<Process> servers = new ArrayList<>();
    private final List<Process> workers = new ArrayList<>();
    private final ParameterClient monitor;
    private final int port;

    /**
     * @param serverArgs arguments of {@code mps server} (port and files are added here)
     * @param workerArgs per rank, arguments of {@code mps worker} (the server address is added here)
     */
    public ProcessCluster(Path dir, List<String> serverArgs, List<List<String>> workerArgs) throws IOException,
            InterruptedException {
        this(dir, serverArgs, workerArgs, 1, null);
    }

    /**
     * @param shards number of server processes, each holding one part of the model (1: one ordinary server)
     * @param layout the model's layout (needed when {@code shards > 1}, for the monitor's shard plan)
     */
    public ProcessCluster(Path dir, List<String> serverArgs, List<List<String>> workerArgs, int shards,
                          TensorLayout layout) throws IOException, InterruptedException {
        this.dir = dir;
        List<String> toServers;
        if (shards == 1) {
            Path portFile = dir.resolve("server.port");
            Files.deleteIfExists(portFile);
            List<String> s = new ArrayList<>(List.of("server", "--port", "0", "--port-file", portFile.toString(),
                    "--metrics", dir.resolve("updates.csv").toString()));
            s.addAll(serverArgs);
            servers.add(start(s, dir.resolve("server.log")));
            port = awaitPort(portFile, 0);
            monitor = new GrpcParameterClient(Channels.forAddress("127.0.0.1:" + port, "server"), true, 30_000);
            toServers = List.of("--server", "127.0.0.1:" + port);
        } else {
            List<String> addresses = freeLoopbackAddresses(shards);
            for (int k = 0; k < shards; k++) {
                Path portFile = dir.resolve("server-" + k + ".port");
                Files.deleteIfExists(portFile);
                List<String> s = new ArrayList<>(List.of("server", "--port", addresses.get(k).split(":")[1],
                        "--port-file", portFile.toString(), "--shard-index", Integer.toString(k),
                        "--shards", String.join(",", addresses)));
                if (k == 0) {
                    // every shard applies every gradient: shard 0's log of updates stands for all
                    s.addAll(List.of("--metrics", dir.resolve("updates.csv").toString()));
                }
                s.addAll(serverArgs);
                servers.add(start(s, dir.resolve("server-" + k + ".log")));
            }
            for (int k = 0; k < shards; k++) {
                awaitPort(dir.resolve("server-" + k + ".port"), k);
            }
            port = Integer.parseInt(addresses.get(0).split(":")[1]);
            List<ManagedChannel> channels = new ArrayList<>();
            for (String a : addresses) {
                channels.add(Channels.forAddress(a, "server"));
            }
            monitor = new ShardedParameterClient(channels, layout, ShardPlan.DEFAULT_SPLIT_THRESHOLD, 30_000);
            toServers = List.of("--servers", String.join(",", addresses));
        }
        for (int rank = 0; rank < workerArgs.size(); rank++) {
            List<String> w = new ArrayList<>(List.of("worker"));
            w.addAll(toServers);
            w.addAll(workerArgs.get(rank));
            workers.add(start(w, dir.resolve("worker-" + rank + ".log")));
        }
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

    private static Process start(List<String> args, Path log) throws IOException {
        return MpsProcesses.start(args, log);
    }

    private int awaitPort(Path portFile, int shard) throws IOException, InterruptedException {
        Process server = servers.get(shard);
        String log = servers.size() == 1 ? "server.log" : "server-" + shard + ".log";
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        while (System.nanoTime() < deadline) {
            if (Files.exists(portFile)) {
                return Integer.parseInt(Files.readString(portFile).trim());
            }
            if (!server.isAlive()) {
                throw new IOException("the server exited with code " + server.exitValue() + " before listening:\n"
                        + tail(dir.resolve(log)));
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
        return "grpc over loopback TCP, " + workers.size() + " worker processes"
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
        for (int rank = 0; rank < workers.size(); rank++) {
            Process p = workers.get(rank);
            if (!p.isAlive() && p.exitValue() != 0) {
                out.add("worker " + rank + " exited with code " + p.exitValue() + ":\n"
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
    public void close() throws Exception {
        monitor.close();
        for (Process p : workers) {
            stop(p);
        }
        for (Process s : servers) {
            stop(s);
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
