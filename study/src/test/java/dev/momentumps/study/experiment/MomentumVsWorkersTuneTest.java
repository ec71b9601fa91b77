package dev.momentumps.study.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The β grid of {@link MomentumVsWorkers#tune} widens downwards as well as upwards, up to |β| < 1. */
class MomentumVsWorkersTuneTest {
    private static final long[] SEEDS = {1, 2, 3, 4};
    private static final double[] BETAS = {-0.6, -0.3, 0, 0.3, 0.6};
    private static final double[] LRS = {0.1, 0.4, 1.6};

    /** Score minimal at β = target and η = 0.4, with a seed offset so the seeds differ (paired). */
    private static MomentumVsWorkers.Scorer bowl(double target) {
        return (workers, lr, beta, seed) -> (beta - target) * (beta - target)
                + Math.abs(Math.log(lr / 0.4)) + 0.01 * seed + 1e-4 * seed * beta;
    }

    @Test
    void aWinnerOnTheLowEdgeWidensTheGridDownwards() {
        MomentumVsWorkers.Run r = MomentumVsWorkers.tune(4, BETAS, LRS, SEEDS, bowl(-0.82), 6);
        assertEquals(-0.8, r.bestBeta(), 1e-9, Arrays.toString(r.betas()));
        assertEquals(-0.9, r.betas()[0], 1e-9, "one step past the winner: " + Arrays.toString(r.betas()));
        assertFalse(r.betaOnEdge());
        assertFalse(r.atLimit());
        assertEquals(0.4, r.bestLr(), 1e-9);
        for (int b = 1; b < r.betas().length; b++) {
            assertTrue(r.betas()[b - 1] < r.betas()[b], "sorted: " + Arrays.toString(r.betas()));
        }
        assertEquals(r.betas().length, r.seedScores().length);
        int w = MomentumVsWorkers.indexOf(r.betas(), r.bestBeta());
        assertEquals(bowl(-0.82).score(4, 0.4, -0.8, 1), r.seedScores()[w][0], 1e-12, "scores follow their beta");
    }

    @Test
    void aWinnerPastMinusOneStopsAtTheStabilityLimit() {
        MomentumVsWorkers.Run r = MomentumVsWorkers.tune(4, BETAS, LRS, SEEDS, bowl(-2), 10);
        assertEquals(-MomentumVsWorkers.BETA_LIMIT, r.bestBeta(), 1e-9, Arrays.toString(r.betas()));
        assertEquals(-0.95, r.betas()[1], 1e-9);
        assertFalse(r.betaOnEdge(), "the stability bound is not a grid edge");
        assertTrue(r.atLimit());
        Table t = MomentumVsWorkers.newTable();
        MomentumVsWorkers.addRow(t, r, SEEDS.length);
        assertTrue(t.text().contains("stability limit"), t.text());
    }

    @Test
    void anInteriorWinnerLeavesTheGridAlone() {
        MomentumVsWorkers.Run r = MomentumVsWorkers.tune(4, BETAS, LRS, SEEDS, bowl(0.05), 6);
        assertEquals(0, r.bestBeta(), 1e-9);
        assertEquals(BETAS.length, r.betas().length);
        assertFalse(r.atLimit());
    }

    @Test
    void lowerBetaStepsDownToTheLimit() {
        assertEquals(-0.7, MomentumVsWorkers.lowerBeta(-0.6), 1e-12);
        assertEquals(-0.9, MomentumVsWorkers.lowerBeta(-0.8), 1e-12);
        assertEquals(-0.95, MomentumVsWorkers.lowerBeta(-0.9), 1e-12);
        assertEquals(-0.99, MomentumVsWorkers.lowerBeta(-0.95), 1e-12);
    }
}
