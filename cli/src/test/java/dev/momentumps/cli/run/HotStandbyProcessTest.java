package dev.momentumps.cli.run;

import dev.momentumps.cli.options.TaskOptions;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.worker.client.FailoverParameterClient;
import dev.momentumps.worker.client.GrpcParameterClient;
import dev.momentumps.worker.client.RegistrationBarrier;
import dev.momentumps.worker.loop.TrainingLoop;
import dev.momentumps.worker.task.GradientTask;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.TaskSpec;
import dev.momentumps.worker.task.Tasks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code mps server --standby} and {@code mps server --as-standby} as real processes: the primary is killed
 * with SIGKILL in the middle of a synchronous run; the workers fail over to the standby and the run ends with
 * exactly the weights (bit for bit) of the same run against one server that never failed.
 */
class HotStandbyProcessTest {
    private static final List<String> OPTIONS = List.of("--mode", "sync", "--optimizer", "momentum", "--lr", "0.05",
            "--momentum", "0.9", "--wait-ms", "20000");
    private static final int WORKERS = 3;
    private static final int STEPS = 30;
    private static final int KILL_AT_STEP = 10;

    @Test
    void aSynchronousRunWhosePrimaryIsKilledEndsWithTheWeightsOfTheRunWithout(@TempDir Path dir) throws Exception {
        Process reference = server(dir, "reference", List.of());
        float[] expected;
        try {
            int port = port(dir, "reference", reference);
            expected = train(List.of(port), null);
        } finally {
            reference.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }

        Process standby = server(dir, "standby", List.of("--as-standby"));
        Process primary = null;
        try {
            int standbyPort = port(dir, "standby", standby);
            primary = server(dir, "primary", List.of("--standby", "127.0.0.1:" + standbyPort));
            int primaryPort = port(dir, "primary", primary);
            assertTrue(Files.readString(dir.resolve("primary.log")).contains("replicating to the hot standby"),
                    Files.readString(dir.resolve("primary.log")));
            float[] got = train(List.of(primaryPort, standbyPort), primary);
            assertTrue(primary.waitFor(10, TimeUnit.SECONDS));
            assertEquals(137, primary.exitValue(), "killed by SIGKILL");
            assertTrue(standby.isAlive());
            String standbyLog = Files.readString(dir.resolve("standby.log"));
            assertTrue(standbyLog.contains("the primary is gone"), standbyLog);
            assertArrayEquals(expected, got, "the weights after the failover are those of the run without one");
        } finally {
            if (primary != null) {
                primary.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            standby.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aPrimaryWhoseStandbyDoesNotAnswerDoesNotStart(@TempDir Path dir) throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Process p = server(dir, "primary", List.of("--standby", "127.0.0.1:" + closed, "--standby-timeout-ms", "2000"));
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String log = Files.readString(dir.resolve("primary.log"));
        assertEquals(2, p.exitValue(), log);
        assertTrue(log.contains("--standby 127.0.0.1:" + closed + ": the standby did not attach"), log);
        assertFalse(log.contains("listening on"), log);
    }

    /**
     * What {@code mps train --standby} runs: a standby process, the server replicating to it, Java worker
     * processes with --failover; the server is killed with SIGKILL mid-run and not restarted, the workers finish
     * on the standby, and every push of the synchronous run is applied there.
     */
    @Test
    void aClusterWithAStandbyFinishesOnItWhenItsServerIsKilled(@TempDir Path dir) throws Exception {
        int workers = 2;
        int updates = 400;
        List<WorkerLaunch> launches = new ArrayList<>();
        for (int r = 0; r < workers; r++) {
            launches.add(WorkerLaunch.of(r, workers, new WorkerLaunch.JavaTask(List.of("--updates", "" + updates,
                    "--samples", "2000", "--features", "8"), List.of()), 0, 1, dir));
        }
        ProcessCluster c = new ProcessCluster(dir, ServerLaunch.of(List.of("--mode", "sync"), null, null, null, dir),
                1, launches, null, null, true);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (c.monitor().status().version() < updates / workers / 3) {
                assertTrue(System.nanoTime() < deadline, "the run did not start");
                Thread.sleep(20);
            }
            c.serverProcess().destroyForcibly().waitFor();
            List<String> events = new ArrayList<>();
            while (!c.workersDone()) {
                assertTrue(System.nanoTime() < deadline, "workers did not finish; events " + events);
                events.addAll(c.checkHealth());
                Thread.sleep(100);
            }
            events.addAll(c.checkHealth());
            assertEquals(List.of("server died (killed by SIGKILL); the workers fail over to the hot standby, which "
                    + "serves from the same state"), events);
            assertEquals(0, c.serverRestarts());
            for (int r = 0; r < workers; r++) {
                assertEquals(0, c.workerProcesses().get(r).exitValue(), ProcessCluster.tail(dir.resolve("worker-" + r + ".log")));
            }
            assertTrue(c.standbyProcess().isAlive());
            dev.momentumps.wire.ServerStatus end = c.monitor().status();
            assertEquals(updates, end.gradientsApplied(), "every push of the run is applied once, on the standby");
            assertEquals(updates / workers, end.version(), "one version per synchronous round");
            assertTrue(Files.readString(dir.resolve("standby.log")).contains("the primary is gone"));
        } finally {
            c.close();
        }
        assertFalse(c.standbyProcess().isAlive(), "the standby stops with the cluster");
    }

    private static Process server(Path dir, String name, List<String> extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("server", "--port", "0", "--port-file",
                dir.resolve(name + ".port").toString()));
        args.addAll(OPTIONS);
        args.addAll(extra);
        return MpsProcesses.start(args, dir.resolve(name + ".log"));
    }

    private static int port(Path dir, String name, Process p) throws Exception {
        Path file = dir.resolve(name + ".port");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(file)) {
            assertTrue(p.isAlive(), Files.readString(dir.resolve(name + ".log")));
            assertTrue(System.nanoTime() < deadline, "no port file from " + name);
            Thread.sleep(50);
        }
        return Integer.parseInt(Files.readString(file).trim());
    }

    /**
     * Trains WORKERS workers of a synthetic regression task for STEPS steps each against the servers on
     * {@code ports} (a primary and its standby, or one server); worker 0 kills {@code kill} at step
     * KILL_AT_STEP. Returns the final weights as the last server serves them.
     */
    private static float[] train(List<Integer> ports, Process kill) throws Exception {
        TaskOptions task = CommandLine.populateCommand(new TaskOptions(), "--samples", "2000");
        TaskSpec spec = task.spec();
        Task t = Tasks.build(spec);
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        List<ParameterClient> clients = new ArrayList<>();
        try {
            List<Future<TrainingLoop.Result>> runs = new ArrayList<>();
            for (int r = 0; r < WORKERS; r++) {
                GradientTask source = t.worker(spec, r, WORKERS);
                ParameterClient c = client(ports);
                clients.add(c);
                int rank = r;
                // every round has the whole world: without the barrier a late worker misses the first rounds
                ParameterClient all = new RegistrationBarrier(c, WORKERS, 60_000);
                runs.add(pool.submit(() -> new TrainingLoop(all, source, rank, "w" + rank, STEPS, 0, (step, loss, res) -> {
                    if (rank == 0 && step == KILL_AT_STEP && kill != null) {
                        kill.destroyForcibly(); // SIGKILL, while the other workers push this round
                    }
                }).run()));
            }
            for (Future<TrainingLoop.Result> run : runs) {
                assertEquals(STEPS, run.get(120, TimeUnit.SECONDS).lastVersion(), "one version per round");
            }
            if (kill != null) {
                for (ParameterClient c : clients) {
                    assertEquals(1, ((FailoverParameterClient) c).failovers(), "each worker failed over once");
                }
            }
            try (GrpcParameterClient observer = new GrpcParameterClient(
                    Channels.forAddress("127.0.0.1:" + ports.get(ports.size() - 1), "server"), true, 10_000)) {
                float[] w = new float[t.worker(spec, 0, WORKERS).layout().numElements()];
                assertEquals(STEPS, observer.pull(w));
                return w;
            }
        } finally {
            pool.shutdownNow();
            clients.forEach(ParameterClient::close);
        }
    }

    private static ParameterClient client(List<Integer> ports) {
        List<ParameterClient> each = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int p : ports) {
            each.add(new GrpcParameterClient(Channels.forAddress("127.0.0.1:" + p, "server"), true, 20_000));
            names.add("127.0.0.1:" + p);
        }
        return each.size() == 1 ? each.get(0) : new FailoverParameterClient(each, names, 30_000, 1, m -> { });
    }
}
