package dev.momentumps.worker.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.ConsistencyModel;
import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.TaskSpec;
import dev.momentumps.worker.task.Tasks;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every transport must do the same way: the training loop, push-and-pull, synchronous rounds and
 * refusals. Bound to each transport by a subclass (in-process core calls; gRPC on the in-process channel).
 */
abstract class TrainingLoopContractTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    /** A server running {@code core}, reached through the transport under test. */
    protected abstract Server start(ParameterServerCore core) throws Exception;

    /** A running server: a factory of one client per worker, and its shutdown. */
    protected interface Server extends AutoCloseable {
        ParameterClient client();
    }

    protected static ParameterServerCore core(String rule, double lr, ConsistencyModel mode) {
        OptimizerConfig c = OptimizerConfig.builder(rule).lr(lr).build();
        return new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0, mode, 1);
    }

    private Server server(ParameterServerCore core) throws Exception {
        Server s = start(core);
        open.add(s);
        return s;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    @Test
    void oneSynchronousWorkerMatchesAPlainLoopBitForBit() throws Exception {
        TaskSpec spec = new TaskSpec("logistic", TaskSpec.SYNTHETIC, "auto", null, 0, 0, false, -1, "auto", 600, 7,
                0, 0.1, 0.0, 8, 1, 100, 16, 11, 0.0);
        Task task = Tasks.build(spec);
        long steps = 120;
        ParameterServerCore core = core("momentum", 0.05, new Synchronous());
        Server server = server(core);
        TrainingLoop.Result r = new TrainingLoop(server.client(), task.worker(spec, 0, 1), 0, "w0", steps, 0, null).run();
        assertEquals(steps, r.lastVersion());

        // the same rule, the same minibatches, no server at all
        OptimizerConfig c = OptimizerConfig.builder("momentum").lr(0.05).build();
        var rule = UpdateRules.create(c);
        var schedule = UpdateRules.schedule(c);
        GradientSource plain = task.worker(spec, 0, 1);
        int n = plain.layout().numElements();
        float[] w = new float[n];
        float[] g = new float[n];
        plain.initialWeights(w);
        rule.initialize(n);
        for (long t = 1; t <= steps; t++) {
            plain.next(w, g);
            rule.apply(w, g, 0, n, t, schedule.lr(t));
        }
        assertArrayEquals(w, core.weights(), "weights through the server must equal the plain loop's exactly");
    }

    @Test
    void asynchronousWorkersEachPushTheirStepsAndStalenessIsCounted() throws Exception {
        TaskSpec spec = new TaskSpec("linear", TaskSpec.SYNTHETIC, "auto", null, 0, 0, false, -1, "auto", 800, 5, 0,
                0.1, 0.0, 8, 1, 100, 8, 3, 0.0);
        Task task = Tasks.build(spec);
        ParameterServerCore core = core("momentum", 0.02, new Asynchronous());
        Server server = server(core);
        int workers = 3;
        long steps = 40;
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        for (int rank = 0; rank < workers; rank++) {
            TrainingLoop loop = new TrainingLoop(server.client(), task.worker(spec, rank, workers), rank, "w" + rank,
                    steps, 0, null);
            threads.add(new Thread(() -> {
                try {
                    loop.run();
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            t.join(30_000);
        }
        assertTrue(errors.isEmpty(), errors::toString);
        ServerStatus s = core.status();
        assertEquals(workers * steps, s.version());
        assertEquals(workers * steps, s.gradientsApplied());
        assertEquals(workers * steps, s.staleness().count());
        for (ServerStatus.Worker w : s.workers()) {
            assertEquals(steps, w.pushes());
            assertFalse(w.alive(), "workers deregister at the end");
        }
        float[] w = core.weights();
        assertTrue(task.model().loss(w, task.train()) < 0.05, "3 async workers still fit a linear model");
    }

    @Test
    void pushReturnsFreshWeightsAndRefusalsSurfaceAsErrors() throws Exception {
        ParameterServerCore core = core("sgd", 0.5, new Asynchronous());
        ParameterClient c = server(core).client();
        ParameterClient.Registration reg = c.register(0, "t");
        assertEquals("async", reg.mode());
        TensorLayout layout = TensorLayout.of("x", 3);
        assertTrue(c.initialize(layout, new float[] {1, 2, 3}));
        assertFalse(c.initialize(layout, new float[] {0, 0, 0}));
        float[] w = new float[3];
        assertEquals(0, c.pull(w));
        ParameterClient.PushResult r = c.push(0, 1, new float[] {2, 2, 2}, 0.25, 4, w);
        assertEquals(1, r.version());
        assertEquals(0, r.staleness());
        assertArrayEquals(new float[] {0, 1, 2}, w);
        assertThrows(RuntimeException.class, () -> c.push(0, 1, new float[] {1, 1, 1}, 0, 1, null),
                "a repeated sequence number is a duplicate");
        assertThrows(RuntimeException.class, () -> c.push(0, 2, new float[] {Float.NaN, 1, 1}, 0, 1, null));
        assertEquals(1, c.status().version());
        assertEquals(0.25, c.status().recentLoss());
        assertArrayEquals(new long[] {1}, c.status().workers().get(0).stalenessHistogram(),
                "per-worker staleness histogram");
    }
}
