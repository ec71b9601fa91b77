package dev.momentumps.server.core;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.ConsistencyModel;
import dev.momentumps.server.consistency.PushTicket;
import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.TensorLayout;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


class ParameterServerCoreTest {
    private static final TensorLayout LAYOUT = TensorLayout.builder().add("weight", 1, 2).add("bias", 1).build();

    private static ParameterServerCore core(ConsistencyModel mode) {
        return new ParameterServerCore(new FixtureRule(), t -> 0.5f, 0, mode, 1);
    }

    @Test
    void asynchronousAppliesEachPushAndCountsStaleness() {
        ParameterServerCore core = core(new Asynchronous());
        int a = core.register(0, "a");
        int b = core.register(1, "b");
        assertTrue(core.initialize(a, LAYOUT, new float[] {1, 2, 3}));
        assertFalse(core.initialize(b, LAYOUT, new float[] {9, 9, 9}), "second initialise is a no-op");

        PushTicket t1 = core.push(a, 0, 1, new float[] {2, 0, 0}, 1.0, 4);
        assertTrue(t1.isDone());
        assertEquals(1, t1.version());
        assertEquals(0, t1.staleness());
        // b computed on version 0 too: applied at version 1, so stale by one
        PushTicket t2 = core.push(b, 0, 1, new float[] {0, 2, 0}, 1.0, 4);
        assertEquals(1, t2.staleness());
        assertArrayEquals(new float[] {0, 1, 3}, core.weights());
        ServerStatus s = core.status();
        assertEquals(2, s.version());
        assertEquals(2, s.gradientsApplied());
        assertArrayEquals(new long[] {1, 1}, s.staleness().histogram());
        assertEquals(0.5, s.staleness().mean());
        assertEquals(1, core.stalenessOf(b).max());
    }

    @Test
    void pullWithAReaderSeesTheLiveWeightsWhileNoPushCanChangeThem() throws Exception {
        ParameterServerCore core = core(new Asynchronous());
        int a = core.register(0, "a");
        int b = core.register(1, "b");
        core.initialize(a, LAYOUT, new float[] {1, 2, 3});
        core.push(a, 0, 1, new float[] {2, 0, 0}, 1.0, 4); // lr 0.5: {0, 2, 3}, version 1
        java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        float[][] seen = new float[2][];
        long[] seenVersion = new long[1];
        Thread puller = new Thread(() -> core.pull(b, (weights, version) -> {
            seen[0] = weights.clone();
            seenVersion[0] = version;
            reading.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            seen[1] = weights.clone(); // still the same values: the push below waits for the lock
        }));
        puller.start();
        assertTrue(reading.await(5, java.util.concurrent.TimeUnit.SECONDS));
        Thread pusher = new Thread(() -> core.push(b, 1, 1, new float[] {0, 4, 0}, 1.0, 4));
        pusher.start();
        pusher.join(200);
        assertTrue(pusher.isAlive(), "a push went ahead while a reader held the weights");
        release.countDown();
        puller.join(5_000);
        pusher.join(5_000);
        assertArrayEquals(new float[] {0, 2, 3}, seen[0]);
        assertArrayEquals(new float[] {0, 2, 3}, seen[1]);
        assertEquals(1, seenVersion[0]);
        assertArrayEquals(new float[] {0, 0, 3}, core.weights());
        assertEquals(2, core.pull(ParameterServerCore.OBSERVER, (w, v) -> { }), "version after b's push");
    }

    @Test
    void synchronousWaitsForEveryLiveWorkerAndAppliesTheMean() {
        ParameterServerCore core = core(new Synchronous());
        int a = core.register(0, "a");
        int b = core.register(1, "b");
        core.initialize(a, LAYOUT, new float[] {0, 0, 0});
        PushTicket ta = core.push(a, 0, 1, new float[] {2, 4, 6}, Double.NaN, 1);
        assertFalse(ta.isDone(), "round waits for worker b");
        assertEquals(0, core.version());
        PushTicket tb = core.push(b, 0, 1, new float[] {4, 0, 2}, Double.NaN, 1);
        assertTrue(ta.isDone() && tb.isDone());
        assertEquals(1, core.version());
        // mean gradient (3, 2, 4), lr 0.5
        assertArrayEquals(new float[] {-1.5f, -1, -2}, core.weights());
        assertEquals(0, ta.staleness());
    }

    @Test
    void synchronousRoundCompletesWhenTheMissingWorkerLeaves() {
        ParameterServerCore core = core(new Synchronous());
        int a = core.register(0, "a");
        int b = core.register(1, "b");
        core.initialize(a, LAYOUT, new float[] {0, 0, 0});
        PushTicket ta = core.push(a, 0, 1, new float[] {2, 2, 2}, Double.NaN, 1);
        core.deregister(b);
        assertTrue(ta.isDone());
        assertArrayEquals(new float[] {-1, -1, -1}, core.weights());
    }

    @Test
    void refusedPushesNameTheFieldAndChangeNothing() {
        ParameterServerCore core = core(new Asynchronous());
        int a = core.register(0, "a");
        core.initialize(a, LAYOUT, new float[] {1, 2, 3});
        core.push(a, 0, 1, new float[] {1, 1, 1}, 0.5, 1);
        float[] before = core.weights();
        ServerStatus sBefore = core.status();

        assertReason(RequestException.Reason.NOT_FOUND, "worker_id",
                () -> core.push(7, 0, 2, new float[] {1, 1, 1}, 0, 1));
        assertReason(RequestException.Reason.INVALID_ARGUMENT, "gradient has 2 elements",
                () -> core.push(a, 0, 2, new float[] {1, 1}, 0, 1));
        assertReason(RequestException.Reason.INVALID_ARGUMENT, "gradient[1] is NaN",
                () -> core.push(a, 0, 2, new float[] {1, Float.NaN, 1}, 0, 1));
        assertReason(RequestException.Reason.INVALID_ARGUMENT, "gradient[2] is Infinity",
                () -> core.push(a, 0, 2, new float[] {1, 1, Float.POSITIVE_INFINITY}, 0, 1));
        assertReason(RequestException.Reason.OUT_OF_RANGE, "base_version 5",
                () -> core.push(a, 5, 2, new float[] {1, 1, 1}, 0, 1));
        assertReason(RequestException.Reason.ALREADY_EXISTS, "sequence 1",
                () -> core.push(a, 0, 1, new float[] {1, 1, 1}, 0, 1));
        assertReason(RequestException.Reason.FAILED_PRECONDITION, "layout",
                () -> core.initialize(a, TensorLayout.of("x", 3), new float[3]));

        assertArrayEquals(before, core.weights());
        ServerStatus sAfter = core.status();
        assertEquals(sBefore.version(), sAfter.version());
        assertEquals(sBefore.gradientsApplied(), sAfter.gradientsApplied());
        assertEquals(sBefore.workers(), sAfter.workers());
        // the worker's sequence was not consumed by the refused pushes
        core.push(a, 1, 2, new float[] {0, 0, 0}, 0, 1);
        assertEquals(2, core.version());
    }

    @Test
    void pushBeforeInitialisationIsFailedPrecondition() {
        ParameterServerCore core = core(new Asynchronous());
        int a = core.register(0, "a");
        assertReason(RequestException.Reason.FAILED_PRECONDITION, "not initialised",
                () -> core.push(a, 0, 1, new float[] {1}, 0, 1));
    }

    @Test
    void bigVectorsAreUpdatedInParallelWithTheSameResult() {
        int threshold = 1024; // the executor's parallel threshold, small here (RangeExecutor.PARALLEL_THRESHOLD is 4M)
        int n = threshold * 3 + 7;
        float[] init = new float[n];
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            init[i] = i * 1e-3f;
            g[i] = (i % 13) - 6;
        }
        float[][] results = new float[2][];
        for (int threads = 1; threads <= 2; threads++) {
            try (RangeExecutor executor = new RangeExecutor(threads, threshold)) {
                ParameterStore store = new ParameterStore(TensorLayout.of("w", n), init.clone(), new FixtureRule(),
                        t -> 0.5f, 0, executor);
                store.apply(g.clone());
                results[threads - 1] = store.weights().clone();
            }
        }
        assertArrayEquals(results[0], results[1]);
        assertEquals(init[n - 1] - 0.5f * g[n - 1], results[1][n - 1]);
        assertEquals(init[0] - 0.5f * g[0], results[1][0]);
    }

    @Test
    void clippingScalesTheGradientToTheNorm() {
        ParameterServerCore core = new ParameterServerCore(new FixtureRule(), t -> 1f, 1f, new Asynchronous(), 1);
        int a = core.register(0, "a");
        core.initialize(a, LAYOUT, new float[] {0, 0, 0});
        core.push(a, 0, 1, new float[] {3, 4, 0}, 0, 1);
        float[] w = core.weights();
        assertEquals(-0.6f, w[0], 1e-6f);
        assertEquals(-0.8f, w[1], 1e-6f);
    }

    static void assertReason(RequestException.Reason reason, String fragment, Runnable call) {
        RequestException e = assertThrows(RequestException.class, call::run);
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' should mention " + fragment);
    }
}
