package dev.momentumps.server.compensation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.FixtureRule;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.HeavyBallMomentum;
import dev.momentumps.server.optim.UpdateRule;
import dev.momentumps.wire.TensorLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompensationTest {
    private static final TensorLayout LAYOUT = TensorLayout.of("x", 2);

    private static ParameterServerCore core(UpdateRule rule, StalenessCompensation c, int workers, float[] w0) {
        ParameterServerCore core = new ParameterServerCore(rule, t -> 0.5f, 0, new Asynchronous(), 1);
        core.setCompensation(c);
        for (int r = 0; r < workers; r++) {
            core.register(r, "w" + r);
        }
        core.initialize(0, LAYOUT, w0);
        return core;
    }

    @Test
    void stalenessAwareLearningRateDividesByTau() {
        try (ParameterServerCore core = core(new FixtureRule(), new StalenessAwareLearningRate(), 3, new float[] {0, 0})) {
            float[] w = new float[2];
            for (int r = 0; r < 3; r++) {
                core.pull(r, w); // all three compute on version 0
            }
            core.push(0, 0, 1, new float[] {1, 2}, 0, 1);  // τ=0: lr 0.5
            assertArrayEquals(new float[] {-0.5f, -1f}, core.weights());
            core.push(1, 0, 1, new float[] {1, 2}, 0, 1);  // τ=1: lr 0.5/1
            assertArrayEquals(new float[] {-1f, -2f}, core.weights());
            core.push(2, 0, 1, new float[] {4, 8}, 0, 1);  // τ=2: lr 0.5/2 = 0.25
            assertArrayEquals(new float[] {-2f, -4f}, core.weights());
        }
    }

    @Test
    void stalenessAwareLearningRateComposesWithMomentum() {
        // heavy-ball: v = βv + g, w -= lr·v; the τ=2 step uses lr/2 for the whole step
        try (ParameterServerCore core = core(new HeavyBallMomentum(0.5, 0.5, 0, false), new StalenessAwareLearningRate(),
                3, new float[] {0, 0})) {
            float[] w = new float[2];
            for (int r = 0; r < 3; r++) {
                core.pull(r, w);
            }
            core.push(0, 0, 1, new float[] {2, 0}, 0, 1); // v=2, w=-1
            core.push(1, 0, 1, new float[] {0, 0}, 0, 1); // v=1, w=-1.5 (τ=1)
            core.push(2, 0, 1, new float[] {2, 0}, 0, 1); // v=2.5, w=-1.5-0.25*2.5 = -2.125 (τ=2)
            assertEquals(-2.125f, core.weights()[0]);
        }
    }

    @Test
    void factorsOfARoundAreAveraged() {
        StalenessAwareLearningRate s = new StalenessAwareLearningRate();
        var a = new dev.momentumps.server.consistency.Submission(0, 0, 6, new float[0], 0, 1, null);
        var b = new dev.momentumps.server.consistency.Submission(1, 1, 8, new float[0], 0, 1, null);
        assertEquals((1f / 4 + 1f / 2) / 2, s.learningRateScale(List.of(a, b), 10), 1e-7);
        assertEquals(1f, s.learningRateScale(List.of(a), 6));
    }

    @Test
    void dcAsgdUsesTheWeightsLastSentToTheSameWorker() {
        try (ParameterServerCore core = core(new FixtureRule(), new DelayCompensation(0.5f, false), 3, new float[] {1, 2})) {
            float[] w = new float[2];
            core.pull(0, w);          // A: w_bak(A) = (1, 2)
            core.pull(1, w);          // B: w_bak(B) = (1, 2)
            core.push(1, 0, 1, new float[] {1, 1}, 0, 1); // w - w_bak(B) = 0: uncorrected; w = (0.5, 1.5)
            assertArrayEquals(new float[] {0.5f, 1.5f}, core.weights());
            core.pull(2, w);          // C reads (0.5, 1.5): MXNet-style "previous weights" would now differ from A's copy
            // A's g = (2, -1): g + λ·g²·(w − w_bak(A)) = (2 + 0.5·4·(−0.5), −1 + 0.5·1·(−0.5)) = (1, −1.25)
            core.push(0, 0, 1, new float[] {2, -1}, 0, 1);
            assertArrayEquals(new float[] {0.5f - 0.5f * 1f, 1.5f + 0.5f * 1.25f}, core.weights());
        }
    }

    @Test
    void dcAsgdAdaptiveDividesLambdaByRootMeanSquare() {
        try (ParameterServerCore core = core(new FixtureRule(), new DelayCompensation(0.5f, true), 2, new float[] {1, 2})) {
            float[] w = new float[2];
            core.pull(0, w);
            core.pull(1, w);
            core.push(1, 0, 1, new float[] {1, 1}, 0, 1); // w - w_bak = 0; MeanSquare = 0.05·g² = (0.05, 0.05)
            core.push(0, 0, 1, new float[] {2, -1}, 0, 1);
            // MeanSquare = 0.95·0.05 + 0.05·(4, 1) = (0.2475, 0.0975)
            double[] ms = {0.95 * 0.05 + 0.05 * 4, 0.95 * 0.05 + 0.05 * 1};
            double[] g = {2, -1};
            double[] diff = {-0.5, -0.5};
            double[] expected = {0.5, 1.5};
            for (int i = 0; i < 2; i++) {
                double lambda = 0.5 / Math.sqrt(ms[i] + 1e-7);
                expected[i] -= 0.5 * (g[i] + lambda * g[i] * g[i] * diff[i]);
            }
            float[] got = core.weights();
            assertEquals(expected[0], got[0], 1e-6);
            assertEquals(expected[1], got[1], 1e-6);
            assertEquals(0.505, got[0], 1e-3, "constant λ = 0.5 would give 0 here");
        }
    }

    @Test
    void observerPullsDoNotMoveTheBackupAndComposedCompensationsMultiply() {
        DelayCompensation dc = new DelayCompensation(1f, false);
        try (ParameterServerCore core = core(new FixtureRule(), Compensations.of(List.of(dc,
                new StalenessAwareLearningRate())), 2, new float[] {1, 1})) {
            float[] w = new float[2];
            core.pull(0, w);
            core.pull(1, w);
            core.push(1, 0, 1, new float[] {2, 0}, 0, 1); // w = (0, 1)
            core.pull(ParameterServerCore.OBSERVER, w);
            assertArrayEquals(new float[] {1, 1}, dc.backupOf(0));
            // worker 0: τ=1 (lr 0.5), g = 1 + 1·1·(0 − 1) = 0 on x, 1 on y untouched by w−w_bak=0
            core.push(0, 0, 1, new float[] {1, 1}, 0, 1);
            assertArrayEquals(new float[] {0f, 0.5f}, core.weights());
        }
    }

    @Test
    void dcAsgdBackupTakesTheRowsOfASparseReplyOnly() {
        DelayCompensation dc = new DelayCompensation(1f, false);
        try (ParameterServerCore core = core(new FixtureRule(), dc, 2, new float[] {1, 1})) {
            float[] out = new float[2];
            core.pullRows(0, new int[] {1}, 1, out);
            assertEquals(null, dc.backupOf(0), "no backup from rows alone: the worker's other rows are unknown");
            core.pull(0, out);
            core.push(1, 0, 1, new float[] {2, 4}, 0, 1); // w = (0, -1)
            core.pullRows(0, new int[] {1}, 1, out);
            assertArrayEquals(new float[] {1, -1}, dc.backupOf(0), "row 0 as sent before, row 1 as sent now");
        }
    }

    @Test
    void theOptimizerInForceNamesTheCompensation() {
        try (ParameterServerCore core = core(new FixtureRule(), new DelayCompensation(2f, false), 1, new float[] {1, 1})) {
            assertEquals("fixture(lr=0.5) + dc-asgd-c(lambda=2.0)", core.optimizer());
            assertEquals(core.optimizer(), core.status().updateRule());
            core.setCompensation(null);
            assertEquals("fixture(lr=0.5)", core.status().updateRule());
        }
    }

    @Test
    void badLambdaIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new DelayCompensation(-1f, false));
        assertThrows(IllegalArgumentException.class, () -> new DelayCompensation(Float.NaN, true));
    }
}
