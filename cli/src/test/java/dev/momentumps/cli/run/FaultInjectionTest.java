package dev.momentumps.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.checkpoint.CheckpointStore;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.worker.client.GrpcParameterClient;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real faults on real processes: a server JVM and worker JVMs on loopback, killed with SIGKILL
 * ({@link Process#destroyForcibly()}) mid-run and stopped with SIGTERM at the end.
 */
class FaultInjectionTest {
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(150);

    private static List<WorkerLaunch> javaWorkers(Path dir, int workers, int updates, int delayMs) {
        List<WorkerLaunch> all = new ArrayList<>();
        for (int r = 0; r < workers; r++) {
            all.add(WorkerLaunch.of(r, workers, new WorkerLaunch.JavaTask(List.of("--updates", "" + updates,
                    "--samples", "2000", "--features", "8", "--log-every", "500"), List.of()), delayMs, 1, dir));
        }
        return all;
    }

    private static void awaitVersion(ProcessCluster c, long version) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (c.monitor().status().version() < version) {
            assertTrue(System.nanoTime() < deadline, "the run did not reach version " + version);
            Thread.sleep(20);
        }
    }

    private static List<String> followToTheEnd(ProcessCluster c) throws Exception {
        List<String> events = new ArrayList<>();
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (!c.workersDone()) {
            assertTrue(System.nanoTime() < deadline, "workers did not finish; events " + events);
            events.addAll(c.checkHealth());
            Thread.sleep(100);
        }
        events.addAll(c.checkHealth());
        return events;
    }

    @Test
    void aSigkilledServerIsRestartedFromItsCheckpointTheWorkersReconnectAndAtMostOneIntervalIsLost(@TempDir Path dir)
            throws Exception {
        int every = 100;
        int total = 3000;
        Path ckpt = dir.resolve("ckpt");
        ProcessCluster c = new ProcessCluster(dir, ServerLaunch.of(List.of("--checkpoint-every", "" + every,
                "--checkpoint-seconds", "0", "--apply-threads", "1"), ckpt, null, null, dir), 1,
                javaWorkers(dir, 2, total, 1), null);
        try {
            awaitVersion(c, 600);
            c.serverProcess().destroyForcibly().waitFor();
            List<String> events = followToTheEnd(c);
            assertEquals(1, c.serverRestarts(), events.toString());
            assertTrue(events.get(0).contains("server died (killed by SIGKILL)"), events.toString());
            long dropped = 0;
            for (int r = 0; r < 2; r++) {
                assertEquals(0, c.workerProcesses().get(r).exitValue(), "worker " + r + ":\n"
                        + ProcessCluster.tail(dir.resolve("worker-" + r + ".log")));
                dropped += droppedPushes(dir.resolve("worker-" + r + ".log"));
            }
            ServerStatus end = c.monitor().status();
            // every push was applied and kept, dropped by a worker that lost the server, or rolled back
            long lost = total - dropped - end.gradientsApplied();
            System.out.printf("server SIGKILL: %d pushes, %d applied and kept, %d dropped by workers, %d lost "
                    + "(checkpoint every %d); %s%n", total, end.gradientsApplied(), dropped, lost, every, events);
            // update-count checkpoints are durable before the update that triggers them is acknowledged
            assertTrue(lost >= 0 && lost <= every, "lost " + lost + " updates, more than one interval");
            assertEquals(end.version(), end.gradientsApplied(), "async: one update per applied gradient");

            long t0 = System.nanoTime();
            c.close(); // SIGTERM: the server writes a final checkpoint and exits
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds < 15, "shutdown took " + seconds + " s");
            assertFalse(c.serverProcess().isAlive());
            assertEquals(end.version(), CheckpointStore.read(new CheckpointStore(ckpt, 3).list().get(0)).version(),
                    "the final checkpoint holds the final version");
        } finally {
            c.close();
        }
    }

    @Test
    void sigtermToTrainStopsWorkersThenTheServerWithAFinalCheckpointAndLeavesNoProcess(@TempDir Path dir)
            throws Exception {
        Path run = dir.resolve("run");
        Process train = ProcessCluster.start(List.of("train", "--no-progress", "--out", run.toString(), "-w", "2",
                "--updates", "1000000", "--delay-ms", "1", "--samples", "2000", "--features", "8",
                "--checkpoint-every", "0", "--checkpoint-seconds", "0"), dir.resolve("train.log"));
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        List<ProcessHandle> children = List.of();
        while (children.size() < 3 || versionOf(run.resolve("server.port")) < 50) {
            assertTrue(System.nanoTime() < deadline && train.isAlive(), "the run did not start:\n"
                    + ProcessCluster.tail(dir.resolve("train.log")));
            Thread.sleep(100);
            children = train.descendants().toList();
        }
        long t0 = System.nanoTime();
        train.destroy(); // SIGTERM, as Ctrl-C or a scheduler would send
        assertTrue(train.waitFor(30, TimeUnit.SECONDS), "train did not exit");
        for (ProcessHandle child : children) {
            assertTrue(child.onExit().completeOnTimeout(null, 15, TimeUnit.SECONDS).get() == null || !child.isAlive(),
                    "left behind: " + child.info());
            assertFalse(child.isAlive(), "left behind: " + child.info());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<Path> ckpts = new CheckpointStore(run.resolve("checkpoints"), 3).list();
        System.out.printf("SIGTERM to train: %d child processes gone in %.1f s; final checkpoint %s%n", children.size(),
                seconds, ckpts);
        assertTrue(seconds < 20, "shutdown took " + seconds + " s");
        assertEquals(1, ckpts.size(), "only the final checkpoint (periodic ones were off)");
        assertTrue(CheckpointStore.read(ckpts.get(0)).version() > 0);
        assertTrue(Files.readString(run.resolve("worker-0.log")).contains("stopping: leaving the cluster"),
                "a signalled worker deregisters");
        String serverLog = Files.readString(run.resolve("server.log"));
        assertTrue(serverLog.contains("momentum-ps server stopped at version"), serverLog);
    }

    /** The server's version, asked through the port file it wrote; 0 before it listens or initialises. */
    private static long versionOf(Path portFile) throws Exception {
        if (!Files.exists(portFile)) {
            return 0;
        }
        try (GrpcParameterClient c = new GrpcParameterClient(Channels.forAddress("127.0.0.1:"
                + Files.readString(portFile).trim(), "test"), true, 5_000)) {
            return c.status().version();
        } catch (StatusRuntimeException e) {
            return 0;
        }
    }

    /** The pushes a worker dropped (its "reconnected N times, dropped D pushes" line), 0 without one. */
    private static long droppedPushes(Path log) throws IOException {
        Matcher m = Pattern.compile("dropped (\\d+) pushes").matcher(Files.readString(log));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void aSigkilledWorkerInSyncModeLosesItsLeaseAndTheOthersFinish(@TempDir Path dir) throws Exception {
        int perWorker = 400;
        ProcessCluster c = new ProcessCluster(dir, ServerLaunch.of(List.of("--mode", "sync", "--lease-ms", "3000",
                "--apply-threads", "1"), null, null, null, dir), 1, javaWorkers(dir, 3, 3 * perWorker, 2), null);
        try {
            awaitVersion(c, 50);
            c.workerProcesses().get(1).destroyForcibly().waitFor();
            List<String> events = followToTheEnd(c);
            assertTrue(events.contains("worker 1 died (killed by SIGKILL); the others go on"), events.toString());
            assertEquals(0, c.workerProcesses().get(0).exitValue());
            assertEquals(0, c.workerProcesses().get(2).exitValue());
            ServerStatus end = c.monitor().status();
            // Every push worker 0 or 2 saw acknowledged is on the server. A survivor starved past the 3 s lease
            // (a loaded machine) has its next push refused ("register again"): never acknowledged, it is
            // dropped and counted in its log, and the worker goes on under its old id.
            long[] dropped = new long[3];
            for (int r : new int[] {0, 2}) {
                dropped[r] = droppedPushes(dir.resolve("worker-" + r + ".log"));
                int rank = r;
                long onServer = end.workers().stream().filter(w -> w.rank() == rank).mapToLong(ServerStatus.Worker::pushes)
                        .sum();
                assertEquals(perWorker - dropped[r], onServer, "rank " + r + ": " + end.workers());
            }
            // one version per round; each round holds a push of worker 0 or 2 (both when neither dropped one)
            assertTrue(end.version() <= perWorker && end.version() >= perWorker - Math.min(dropped[0], dropped[2]),
                    end + ", dropped " + Arrays.toString(dropped));
            long dead = end.workers().stream().filter(w -> w.rank() == 1).filter(w -> !w.alive()).count();
            assertEquals(1, dead, "worker 1 is marked dead: " + end.workers());
            assertEquals(1, c.failures().size(), c.failures().toString());
        } finally {
            c.close();
        }
    }
}
