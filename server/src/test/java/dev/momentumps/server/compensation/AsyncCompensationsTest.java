package dev.momentumps.server.compensation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.Submission;
import dev.momentumps.server.core.FixtureRule;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.TensorLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Delay-adaptive step size and Gap-Aware against hand-computed steps (w ← w − 0.5·g, the fixture rule). */
class AsyncCompensationsTest {
    private static final TensorLayout LAYOUT = TensorLayout.of("x", 2);

    private static ParameterServerCore core(StalenessCompensation c, int workers) {
        ParameterServerCore core = new ParameterServerCore(new FixtureRule(), t -> 0.5f, 0, new Asynchronous(), 1);
        core.setCompensation(c);
        for (int r = 0; r < workers; r++) {
            core.register(r, "w" + r);
        }
        core.initialize(0, LAYOUT, new float[2]);
        return core;
    }

    private static Submission computedOn(long version) {
        return new Submission(0, 0, version, new float[0], 0, 1, null);
    }

    @Test
    void delayAdaptiveKeepsTheStepUpToMAndScalesByMOverTauBeyond() {
        DelayAdaptiveLearningRate d = new DelayAdaptiveLearningRate(4);
        assertEquals(1f, d.learningRateScale(List.of(computedOn(10)), 10)); // τ = 0
        assertEquals(1f, d.learningRateScale(List.of(computedOn(6)), 10));  // τ = 4 = M
        assertEquals(0.8f, d.learningRateScale(List.of(computedOn(5)), 10)); // τ = 5: 4/5
        assertEquals(0.1f, d.learningRateScale(List.of(computedOn(0)), 40)); // τ = 40: 4/40
        // a round: the mean of 1 (τ = 2) and 4/8 (τ = 8)
        assertEquals(0.75f, d.learningRateScale(List.of(computedOn(8), computedOn(2)), 10));
        // η/τ at the same delays, for comparison: 1/4 and 1/5
        StalenessAwareLearningRate z = new StalenessAwareLearningRate();
        assertEquals(0.25f, z.learningRateScale(List.of(computedOn(6)), 10));
        assertEquals(0.2f, z.learningRateScale(List.of(computedOn(5)), 10));
        assertEquals("delay-adaptive-lr(M=4)", d.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DelayAdaptiveLearningRate(0));
        assertEquals("delay-adaptive workers M must be >= 1, got 0", e.getMessage());
    }

    @Test
    void delayAdaptiveInTheCore() {
        try (ParameterServerCore core = core(new DelayAdaptiveLearningRate(1), 3)) {
            float[] w = new float[2];
            for (int r = 0; r < 3; r++) {
                core.pull(r, w);
            }
            core.push(0, 0, 1, new float[] {1, 2}, 0, 1);  // τ = 0: lr 0.5
            core.push(1, 0, 1, new float[] {1, 2}, 0, 1);  // τ = 1 = M: lr 0.5
            assertArrayEquals(new float[] {-1f, -2f}, core.weights());
            core.push(2, 0, 1, new float[] {4, 8}, 0, 1);  // τ = 2: lr 0.5·1/2
            assertArrayEquals(new float[] {-2f, -4f}, core.weights());
        }
    }

    @Test
    void gapAwareDividesByOnePlusTheGapInAverageSteps() {
        GapAware ga = new GapAware();
        try (ParameterServerCore core = core(ga, 3)) {
            float[] w = new float[2];
            for (int r = 0; r < 3; r++) {
                core.pull(r, w); // θ_stale = [0, 0] for all three
            }
            // nothing has moved yet: no penalty; w = [0, 0] − 0.5·[1, 0] = [−0.5, 0]
            core.push(0, 0, 1, new float[] {1, 0}, 0, 1);
            assertArrayEquals(new float[] {-0.5f, 0f}, core.weights());
            assertNull(ga.averageStep());
            // step seen: Δθ = [−0.5, 0]; S = 0.001·[0.25, 0]; k = 1, 1 − Γ = 0.001: C = [0.5, 0] + ε
            // gap = [0.5, 0]: g̃ = [2/(1 + 0.5/0.5), 2/1] = [1, 2]; w = [−1, −1]
            core.push(1, 0, 1, new float[] {2, 2}, 0, 1);
            assertArrayEquals(new float[] {-1f, -1f}, core.weights());
            // Δθ = [−0.5, −1]; S = [0.999·0.00025 + 0.00025, 0.001] = [0.00049975, 0.001]; 1 − Γ² = 0.001999
            // C = [√0.25, √0.50025] = [0.5, 0.7072835]; gap = [1, 1]
            // g̃ = [4/(1 + 2), 4/(1 + 1.4138696)] = [1.3333334, 1.657097]; w = [−1.6666667, −1.8285484]
            core.push(2, 0, 1, new float[] {4, 4}, 0, 1);
            float[] now = core.weights();
            assertEquals(-1.6666667f, now[0], 1e-6f);
            assertEquals(-1.8285484f, now[1], 1e-6f);
            assertEquals(0.5f, ga.averageStep()[0], 1e-6f);
            // worker 0 pulls the current weights: a fresh gradient has no gap and passes unchanged
            core.pull(0, w);
            core.push(0, core.version(), 2, new float[] {2, 2}, 0, 1);
            assertArrayEquals(new float[] {now[0] - 1f, now[1] - 1f}, core.weights());
        }
        assertEquals("gap-aware(gamma=0.999, eps=1.0E-8)", ga.toString());
    }

    @Test
    void gapMeterMeasuresHowFarTheWeightsMovedSinceTheWorkerReadThem() {
        GapMeter meter = new GapMeter();
        java.util.List<String> heard = new java.util.ArrayList<>();
        meter.addListener((worker, tau, gap) -> heard.add(worker + ":" + tau + ":" + gap));
        try (ParameterServerCore core = core(meter, 2)) {
            float[] w = new float[2];
            core.pull(0, w);
            core.pull(1, w);
            core.push(0, 0, 1, new float[] {6, 8}, 0, 1);   // fresh: gap 0; w = [−3, −4]
            core.push(1, 0, 1, new float[] {0, 0}, 0, 1);   // computed on [0, 0]: gap ‖[−3, −4]‖ = 5
            assertArrayEquals(new float[] {-3f, -4f}, core.weights(), "the meter changes nothing");
        }
        assertEquals(List.of("0:0:0.0", "1:1:5.0"), heard);
        assertEquals(2.5, meter.meanGap(), 1e-12);
        assertEquals(5.0, meter.maxGap(), 1e-12);
    }

    @Test
    void compositionsShowTheirCheckpointableParts() {
        GapAware ga = new GapAware();
        StalenessCompensation both = Compensations.of(List.of(ga, new DelayAdaptiveLearningRate(2)));
        assertEquals(2, Compensations.partsOf(both).size());
        assertEquals(List.of(ga), Compensations.partsOf(ga));
    }
}
