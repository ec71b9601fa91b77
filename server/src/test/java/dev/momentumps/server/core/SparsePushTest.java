package dev.momentumps.server.core;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.ConsistencyModel;
import dev.momentumps.server.consistency.PushTicket;
import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.server.optim.Adam;
import dev.momentumps.server.optim.HeavyBallMomentum;
import dev.momentumps.server.optim.Nesterov;
import dev.momentumps.server.optim.Sgd;
import dev.momentumps.server.optim.UpdateRule;
import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.TensorLayout;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** Sparse pushes against dense application, hand-computed catch-up, lazy Adam, and the refusals. */
class SparsePushTest {
    private static final TensorLayout LAYOUT = TensorLayout.of("w", 6);
    private static final float[] INIT = {1, -2, 3, 0.5f, -1, 2};
    /** Three steps' sparse gradients: rows and values. */
    private static final int[][] ROWS = {{0, 2, 5}, {1, 2}, {0, 3, 4, 5}, {2}};
    private static final float[][] VALUES = {{0.5f, -1, 2}, {3, 0.25f}, {-1, 1, 2, -0.5f}, {4}};

    private static ParameterServerCore core(UpdateRule rule, ConsistencyModel mode) {
        ParameterServerCore core = new ParameterServerCore(rule, t -> 0.1f, 0, mode, 1);
        int id = core.register(0, "w");
        core.initialize(id, LAYOUT, INIT.clone());
        return core;
    }

    /** Runs the steps sparse on one core and dense (scattered) on another; returns {sparse, dense} weights. */
    private static float[][] sparseAndDense(Supplier<UpdateRule> rule, ConsistencyModel a, ConsistencyModel b) {
        ParameterServerCore sparse = core(rule.get(), a);
        ParameterServerCore dense = core(rule.get(), b);
        for (int s = 0; s < ROWS.length; s++) {
            PushTicket t = sparse.pushSparse(0, s, s + 1, ROWS[s].clone(), VALUES[s].clone(), 1.0, 2);
            assertTrue(t.isDone());
            assertEquals(s + 1, t.version());
            dense.push(0, s, s + 1, SparseRows.scatter(ROWS[s], VALUES[s], 6), 1.0, 2);
        }
        return new float[][] {sparse.weights(), dense.weights()};
    }

    @Test
    void sgdSparseIsBitIdenticalToDense() {
        float[][] r = sparseAndDense(() -> new Sgd(0.1, 0), new Asynchronous(), new Asynchronous());
        assertArrayEquals(r[1], r[0]);
    }

    @Test
    void momentumCatchUpMatchesDenseApplication() {
        float[][] r = sparseAndDense(() -> new HeavyBallMomentum(0.1, 0.9, 0, false), new Asynchronous(),
                new Asynchronous());
        assertArrayEquals(r[1], r[0], 1e-6f);
    }

    @Test
    void momentumCatchUpByHand() {
        ParameterServerCore core = core(new HeavyBallMomentum(0.1, 0.5, 0, false), new Asynchronous());
        core.pushSparse(0, 0, 1, new int[] {0}, new float[] {2}, 0, 1);     // v0 = 2, w0 = 1 - 0.2 = 0.8
        core.pushSparse(0, 1, 2, new int[] {1}, new float[] {0}, 0, 1);     // row 0 skipped (step 2)
        core.pushSparse(0, 2, 3, new int[] {1}, new float[] {0}, 0, 1);     // row 0 skipped (step 3)
        core.pushSparse(0, 3, 4, new int[] {0}, new float[] {1}, 0, 1);     // row 0 touched at step 4
        // catch-up k = 2: v = 0.25·2 = 0.5, w = 0.8 − 0.1·2·0.5·(1 − 0.25)/0.5 = 0.8 − 0.15 = 0.65
        // step 4: v = 0.5·0.5 + 1 = 1.25, w = 0.65 − 0.125 = 0.525
        float[] w = new float[1];
        core.pullRows(0, new int[] {0}, 1, w);
        assertEquals(0.525f, w[0], 1e-6f);
        // a dense pull sees every row caught up: two more skipped steps for row 0 from step 4
        core.pushSparse(0, 4, 5, new int[] {2}, new float[] {0}, 0, 1);
        core.pushSparse(0, 5, 6, new int[] {2}, new float[] {0}, 0, 1);
        // v: 1.25 → 0.625 → 0.3125; w: 0.525 − 0.0625 − 0.03125 = 0.43125
        assertEquals(0.43125f, core.weights()[0], 1e-6f);
        float[] rows = new float[1];
        core.pullRows(0, new int[] {0}, 1, rows);
        assertEquals(0.43125f, rows[0], 1e-6f);
        assertEquals(0.3125f, core.rule().state().get("velocity")[0], 1e-6f);
    }

    @Test
    void denseStepAfterSparseStepsSeesCaughtUpRows() {
        ParameterServerCore sparse = core(new HeavyBallMomentum(0.1, 0.9, 0, false), new Asynchronous());
        ParameterServerCore dense = core(new HeavyBallMomentum(0.1, 0.9, 0, false), new Asynchronous());
        float[] g = {1, 1, 1, 1, 1, 1};
        sparse.pushSparse(0, 0, 1, ROWS[0].clone(), VALUES[0].clone(), 0, 1);
        dense.push(0, 0, 1, SparseRows.scatter(ROWS[0], VALUES[0], 6), 0, 1);
        sparse.pushSparse(0, 1, 2, ROWS[1].clone(), VALUES[1].clone(), 0, 1);
        dense.push(0, 1, 2, SparseRows.scatter(ROWS[1], VALUES[1], 6), 0, 1);
        sparse.push(0, 2, 3, g.clone(), 0, 1);
        dense.push(0, 2, 3, g.clone(), 0, 1);
        sparse.pushSparse(0, 3, 4, ROWS[3].clone(), VALUES[3].clone(), 0, 1);
        dense.push(0, 3, 4, SparseRows.scatter(ROWS[3], VALUES[3], 6), 0, 1);
        sparse.pushSparse(0, 4, 5, ROWS[1].clone(), VALUES[1].clone(), 0, 1);
        dense.push(0, 4, 5, SparseRows.scatter(ROWS[1], VALUES[1], 6), 0, 1);
        assertArrayEquals(dense.weights(), sparse.weights(), 1e-6f);
        assertArrayEquals(dense.rule().state().get("velocity"), sparse.rule().state().get("velocity"), 1e-6f);
    }

    @Test
    void snapshotSeesCaughtUpVelocityAndSkipPolicyDropsNonFinite() {
        ParameterServerCore core = core(new HeavyBallMomentum(0.1, 0.5, 0, false), new Asynchronous());
        core.pushSparse(0, 0, 1, new int[] {0}, new float[] {2}, 0, 1);
        core.pushSparse(0, 1, 2, new int[] {1}, new float[] {0}, 0, 1);
        CoreSnapshot snap = core.snapshot();
        assertEquals(1f, snap.ruleState().get("velocity")[0], 1e-6f, "row 0 decayed once: 0.5 x 2");
        assertEquals(0.8f - 0.1f, snap.weights()[0], 1e-6f, "and moved by the decayed velocity");
        core.setNonFinitePolicy(NonFinitePolicy.SKIP);
        PushTicket t = core.pushSparse(0, 2, 3, new int[] {0}, new float[] {Float.NaN}, 0, 1);
        assertEquals(false, t.applied());
        assertEquals(2, core.version());
        core.setNonFinitePolicy(NonFinitePolicy.ZERO);
        assertTrue(core.pushSparse(0, 2, 4, new int[] {0, 1}, new float[] {Float.NaN, 1}, 0, 1).applied());
    }

    @Test
    void lazyAdamMovesOnlyTouchedRowsWithGlobalBiasCorrection() {
        ParameterServerCore core = core(new Adam(0.1, 0.9, 0.999, 1e-8, 0), new Asynchronous());
        core.pushSparse(0, 0, 1, new int[] {1}, new float[] {2}, 0, 1);
        core.pushSparse(0, 1, 2, new int[] {3}, new float[] {1}, 0, 1);
        core.pushSparse(0, 2, 3, new int[] {1}, new float[] {-1}, 0, 1);
        float[] w = core.weights();
        // untouched rows are exactly their initial values
        assertEquals(INIT[0], w[0]);
        assertEquals(INIT[2], w[2]);
        assertEquals(INIT[5], w[5]);
        // row 1, step 1 (t = 1): m = 0.2, v = 0.004, m̂ = 2, v̂ = 4 → w = -2 - 0.1·2/(2 + 1e-8)
        double m = 0.2;
        double v = 0.004;
        double w1 = -2 - 0.1 * (m / 0.1) / (Math.sqrt(v / 0.001) + 1e-8);
        // row 1, touched next at global step t = 3 (not its own second step): moments decay once
        m = 0.9 * m + 0.1 * -1;
        v = 0.999 * v + 0.001 * 1;
        w1 = w1 - 0.1 * (m / (1 - Math.pow(0.9, 3))) / (Math.sqrt(v / (1 - Math.pow(0.999, 3))) + 1e-8);
        assertEquals(w1, w[1], 1e-5);
        assertEquals(m, core.rule().state().get("exp_avg")[1], 1e-6);
    }

    @Test
    void nonLazyRulesAndSynchronousModesGetExactDenseSemantics() {
        float[][] nesterov = sparseAndDense(() -> new Nesterov(0.1, 0.9, 0), new Asynchronous(),
                new Asynchronous());
        assertArrayEquals(nesterov[1], nesterov[0]);
        float[][] sync = sparseAndDense(() -> new HeavyBallMomentum(0.1, 0.9, 0, false), new Synchronous(),
                new Synchronous());
        assertArrayEquals(sync[1], sync[0]);
    }

    @Test
    void refusalsNameTheFieldAndChangeNothing() {
        ParameterServerCore core = core(new HeavyBallMomentum(0.1, 0.9, 0, false), new Asynchronous());
        core.pushSparse(0, 0, 1, new int[] {1, 4}, new float[] {1, 2}, 0, 1);
        float[] before = core.weights();
        float[] velocity = core.rule().state().get("velocity").clone();
        assertRefused(core, new int[] {1, 6}, new float[] {1, 1}, "sparse_gradient.indices[1] is 6");
        assertRefused(core, new int[] {-1}, new float[] {1}, "sparse_gradient.indices[0] is -1");
        assertRefused(core, new int[] {2, 2}, new float[] {1, 1}, "strictly increasing");
        assertRefused(core, new int[] {3, 1}, new float[] {1, 1}, "sparse_gradient.indices[1] is 1 after 3");
        assertRefused(core, new int[] {0, 3}, new float[] {1, Float.NaN}, "sparse_gradient.values[1]");
        assertRefused(core, new int[] {0, 3}, new float[] {Float.POSITIVE_INFINITY, 1}, "values[0]");
        assertRefused(core, new int[] {0, 3}, new float[] {1}, "2 indices but 1 values");
        assertEquals(1, core.version());
        assertArrayEquals(before, core.weights());
        assertArrayEquals(velocity, core.rule().state().get("velocity"));
        // the sequence number was not used up by the refusals
        assertEquals(2, core.pushSparse(0, 1, 2, new int[] {0}, new float[] {1}, 0, 1).version());
        RequestException dup = assertThrows(RequestException.class,
                () -> core.pushSparse(0, 2, 2, new int[] {0}, new float[] {1}, 0, 1));
        assertEquals(RequestException.Reason.ALREADY_EXISTS, dup.reason());
    }

    private static void assertRefused(ParameterServerCore core, int[] rows, float[] values, String message) {
        RequestException e = assertThrows(RequestException.class,
                () -> core.pushSparse(0, 1, 2, rows, values, 0, 1));
        assertEquals(RequestException.Reason.INVALID_ARGUMENT, e.reason());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
