package dev.momentumps.server.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.ConsistencyModel;
import dev.momentumps.server.consistency.PushTicket;
import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateOrigin;
import dev.momentumps.server.optim.UpdateRule;
import dev.momentumps.server.optim.UpdateRules;
import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.FiniteScan;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A push the core reads where the transport holds it (a worker's shared region, here a direct buffer laid out
 * as one): applied block by block in place, it ends in exactly the state the same gradient pushed as an array
 * ends in, for every rule, with no model-sized copy; the non-finite policy holds; a sender that writes its
 * buffer while the push is applied gets no unchecked value into the state.
 */
class RegionPushTest {
    /** three blocks and a bit: the last block is short */
    private static final int N = 3 * FiniteScan.BLOCK + 17;

    private static ParameterServerCore core(String ruleName, ConsistencyModel mode, int n, int threads) {
        OptimizerConfig cfg = ruleName.equals("dana") ? OptimizerConfig.builder(ruleName).workers(2).build()
                : OptimizerConfig.defaults(ruleName);
        UpdateRule rule = UpdateRules.create(cfg);
        ParameterServerCore core = new ParameterServerCore(rule, t -> 0.01f * (1 + t % 3), 0, mode, threads);
        core.setInPlaceAbove(0); // these small models take the in-place path of big ones
        core.register(0, "w0");
        core.register(1, "w1");
        core.initialize(0, TensorLayout.of("x", n), values(n, 1, 1f));
        return core;
    }

    private static float[] values(int n, long seed, float scale) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian() * scale;
        }
        return v;
    }

    /** A buffer laid out as a shared region's gradient half: little-endian float32, off-heap. */
    private static FloatBuffer region(float[] values) {
        FloatBuffer b = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer();
        b.put(0, values);
        return b;
    }

    private static void assertSameState(ParameterServerCore expected, ParameterServerCore actual, String what) {
        assertArrayEquals(expected.weights(), actual.weights(), what + ": weights");
        assertEquals(expected.version(), actual.version(), what + ": version");
        for (Map.Entry<String, float[]> e : expected.rule().state().entrySet()) {
            assertArrayEquals(e.getValue(), actual.rule().state().get(e.getKey()), what + ": " + e.getKey());
        }
    }

    @Test
    void everyRuleEndsAsWithTheSameGradientsPushedAsArrays() {
        for (String name : UpdateRules.names()) {
            AtomicInteger copies = new AtomicInteger();
            try (ParameterServerCore arrays = core(name, new Asynchronous(), N, 1);
                 ParameterServerCore inPlace = core(name, new Asynchronous(), N, 1)) {
                for (int k = 1; k <= 3; k++) {
                    float[] g = values(N, 10 + k, 0.5f);
                    arrays.push(0, k - 1, k, g.clone(), 0, 1);
                    GradientSource src = GradientSource.borrowed(region(g), N, n -> {
                        copies.incrementAndGet();
                        return new float[n];
                    });
                    PushTicket t = inPlace.push(0, k - 1, k, src, 0, 1);
                    assertTrue(t.isDone() && t.applied(), name);
                    float[] w = new float[N];
                    arrays.pull(0, w);
                    inPlace.pull(0, w);
                }
                assertSameState(arrays, inPlace, name);
                boolean blocks = inPlace.rule().takesGradientBlocks() && !(inPlace.rule() instanceof UpdateOrigin);
                assertEquals(blocks ? 0 : 3, copies.get(), name + ": model-sized copies of the region");
            }
        }
    }

    @Test
    void aBigPushOnTwoApplyThreadsMakesNoModelSizedCopy() {
        int n = RangeExecutor.PARALLEL_THRESHOLD + FiniteScan.BLOCK + 5;
        float[] g = values(n, 7, 1f);
        try (ParameterServerCore arrays = core("momentum", new Asynchronous(), n, 2);
             ParameterServerCore inPlace = core("momentum", new Asynchronous(), n, 2)) {
            arrays.push(1, 0, 1, g.clone(), 0, 1);
            FloatBuffer buf = region(g);
            inPlace.push(1, 0, 1, GradientSource.borrowed(buf, n, m -> new float[m]), 0, 1); // warm the scratch
            assertSameState(arrays, inPlace, "first push");
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            GradientSource src = GradientSource.borrowed(buf, n, m -> new float[m]);
            inPlace.push(1, 1, 2, src, 0, 1);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            arrays.push(1, 1, 2, g.clone(), 0, 1);
            assertNull(src.array(), "read in place");
            assertTrue(allocated < 64 * 1024, "allocated " + allocated + " bytes for a " + 4L * n + "-byte gradient");
            assertSameState(arrays, inPlace, "second push");
        }
    }

    @Test
    void theNonFinitePolicyHoldsForABufferAsForAnArray() {
        float[] g = values(N, 3, 1f);
        g[FiniteScan.BLOCK + 5] = Float.NaN;
        try (ParameterServerCore core = core("momentum", new Asynchronous(), N, 1)) {
            float[] w0 = core.weights();
            RequestException e = assertThrows(RequestException.class, () ->
                    core.push(0, 0, 1, GradientSource.borrowed(region(g), N, n -> new float[n]), 0, 1));
            assertEquals("gradient[" + (FiniteScan.BLOCK + 5) + "] is NaN: only finite values are accepted",
                    e.getMessage());
            assertArrayEquals(w0, core.weights(), "refused: nothing changed");
            assertEquals(0, core.version());

            core.setNonFinitePolicy(NonFinitePolicy.SKIP);
            PushTicket skipped = core.push(0, 0, 1, GradientSource.borrowed(region(g), N, n -> new float[n]), 0, 1);
            assertFalse(skipped.applied());
            assertArrayEquals(w0, core.weights(), "skipped: the weights are unchanged");
        }
        try (ParameterServerCore arrays = core("momentum", new Asynchronous(), N, 1);
             ParameterServerCore inPlace = core("momentum", new Asynchronous(), N, 1)) {
            arrays.setNonFinitePolicy(NonFinitePolicy.ZERO);
            inPlace.setNonFinitePolicy(NonFinitePolicy.ZERO);
            arrays.push(0, 0, 1, g.clone(), 0, 1);
            GradientSource src = GradientSource.borrowed(region(g), N, n -> new float[n]);
            inPlace.push(0, 0, 1, src, 0, 1);
            assertNull(src.array());
            assertSameState(arrays, inPlace, "zeroed");
        }
    }

    @Test
    void aValueWrittenAfterTheCheckIsCheckedAgainBeforeItIsApplied() throws Exception {
        float[] g = values(N, 5, 1f);
        try (ParameterServerCore arrays = core("momentum", new Asynchronous(), N, 1);
             ParameterServerCore inPlace = core("momentum", new Asynchronous(), N, 1)) {
            FloatBuffer buf = region(g);
            Thread pusher;
            synchronized (inPlace) { // the push checks the buffer, then waits here for the core's lock
                pusher = new Thread(() -> inPlace.push(0, 0, 1, GradientSource.borrowed(buf, N, n -> new float[n]),
                        0, 1));
                pusher.start();
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (pusher.getState() != Thread.State.BLOCKED) {
                    assertTrue(System.nanoTime() < deadline, "the push reached the core's lock");
                    Thread.sleep(1);
                }
                buf.put(7, 2.5f); // the sender writes its region while its push is taken in
                buf.put(2 * FiniteScan.BLOCK + 1, Float.POSITIVE_INFINITY);
            }
            pusher.join(10_000);
            assertEquals(1, inPlace.version());
            g[7] = 2.5f;
            g[2 * FiniteScan.BLOCK + 1] = 0f;
            arrays.push(0, 0, 1, g, 0, 1);
            assertSameState(arrays, inPlace, "the values read when applied, the non-finite one as zero");
            for (float w : inPlace.weights()) {
                assertTrue(Float.isFinite(w));
            }
        }
    }

    @Test
    void atOrBelowTheInPlaceThresholdTheBufferIsCopiedOnceAndTheCopyIsWhatIsCheckedAndApplied() {
        float[] g = values(N, 11, 1f);
        try (ParameterServerCore arrays = core("momentum", new Asynchronous(), N, 1);
             ParameterServerCore copied = core("momentum", new Asynchronous(), N, 1)) {
            copied.setInPlaceAbove(N);
            AtomicInteger copies = new AtomicInteger();
            GradientSource src = GradientSource.borrowed(region(g), N, n -> {
                copies.incrementAndGet();
                return new float[n];
            });
            assertTrue(copied.push(0, 0, 1, src, 0, 1).applied());
            arrays.push(0, 0, 1, g.clone(), 0, 1);
            assertEquals(1, copies.get(), "one copy of the region");
            assertArrayEquals(g, src.array(), "the transport's array holds the gradient");
            assertSameState(arrays, copied, "copied");

            float[] bad = g.clone();
            bad[2 * FiniteScan.BLOCK + 3] = Float.NEGATIVE_INFINITY;
            float[] w1 = copied.weights();
            RequestException e = assertThrows(RequestException.class, () -> copied.push(0, 1, 2,
                    GradientSource.borrowed(region(bad), N, n -> new float[n]), 0, 1));
            assertEquals("gradient[" + (2 * FiniteScan.BLOCK + 3) + "] is -Infinity: only finite values are accepted",
                    e.getMessage());
            assertArrayEquals(w1, copied.weights(), "refused: nothing changed");
            assertEquals(1, copied.version());
            assertThrows(IllegalArgumentException.class, () -> copied.setInPlaceAbove(-1));
        }
    }

    @Test
    void aSynchronousServerCopiesTheBufferIntoAnArrayOfTheTransports() {
        float[] g = values(N, 9, 1f);
        try (ParameterServerCore core = core("momentum", new Synchronous(), N, 1)) {
            core.deregister(1);
            GradientSource src = GradientSource.borrowed(region(g), N, n -> new float[n]);
            PushTicket t = core.push(0, 0, 1, src, 0, 1);
            assertTrue(t.isDone() && t.applied());
            assertNotNull(src.array(), "a round keeps its gradients in arrays");
            assertArrayEquals(g, src.array());
        }
    }
}
