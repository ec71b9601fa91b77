package dev.momentumps.study.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The predicted edges from the characteristic roots, and the measured ones from runs through the core. */
class StabilityMapTest {

    @Test
    void predictedEdgeWithoutDelayIsTwoPlusTwoBeta() {
        for (double beta : StabilityMap.BETAS) {
            assertEquals(2 + 2 * beta, DelayedMomentumRoots.edge(beta, 0), 1e-9, "beta " + beta);
        }
    }

    @Test
    void predictedEdgesHaveTheirClosedForms() {
        for (double beta : StabilityMap.BETAS) {
            // τ = 1: z² − (1+β)z + β + ηλ, product of roots β + ηλ < 1
            assertEquals(1 - beta, DelayedMomentumRoots.edge(beta, 1), 1e-7, "beta " + beta);
        }
        for (int tau : new int[] {1, 2, 4, 8}) {
            // delayed gradient descent: ηλ < 2 sin(π / (2(2τ+1)))
            assertEquals(2 * Math.sin(Math.PI / (2 * (2 * tau + 1))), DelayedMomentumRoots.edge(0, tau), 1e-6,
                    "tau " + tau);
        }
    }

    @Test
    void durandKernerFindsKnownRoots() {
        // (z − 0.5)(z + 0.25)(z² + 1) = z⁴ − 0.25z³ + 0.875z² − 0.25z − 0.125
        double[][] r = DelayedMomentumRoots.roots(new double[] {1, -0.25, 0.875, -0.25, -0.125});
        double[] moduli = new double[4];
        for (int i = 0; i < 4; i++) {
            moduli[i] = Math.hypot(r[0][i], r[1][i]);
        }
        java.util.Arrays.sort(moduli);
        assertEquals(0.25, moduli[0], 1e-10);
        assertEquals(0.5, moduli[1], 1e-10);
        assertEquals(1, moduli[2], 1e-10);
        assertEquals(1, moduli[3], 1e-10);
    }

    @Test
    void measuredEdgesMatchThePrediction() {
        for (double beta : StabilityMap.BETAS) {
            assertEquals(2 + 2 * beta, StabilityMap.measuredEdge(beta, 0), 1e-3, "beta " + beta + ", tau 0");
        }
        assertEquals(DelayedMomentumRoots.edge(0.5, 4), StabilityMap.measuredEdge(0.5, 4), 1e-3);
        assertEquals(DelayedMomentumRoots.edge(0.9, 8), StabilityMap.measuredEdge(0.9, 8), 1e-3);
    }

    @Test
    void stabilityJudgementOnBothSidesOfTheEdge() {
        double edge = DelayedMomentumRoots.edge(0.75, 2);
        assertTrue(StabilityMap.stable(0.75, 2, 0.98 * edge));
        assertFalse(StabilityMap.stable(0.75, 2, 1.02 * edge));
        assertTrue(DelayedMomentumRoots.spectralRadius(0.75, 2, 0.98 * edge) < 1);
        assertTrue(DelayedMomentumRoots.spectralRadius(0.75, 2, 1.02 * edge) > 1);
    }
}
