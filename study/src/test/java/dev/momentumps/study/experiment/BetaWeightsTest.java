package dev.momentumps.study.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The weight heavy ball gives a gradient t updates old is βᵗ, measured through the core. */
class BetaWeightsTest {

    @Test
    void weightsArePowersOfBeta() {
        for (double beta : BetaWeights.BETAS) {
            double[] w = BetaWeights.weights(beta, 40);
            double sum = 0;
            for (int t = 0; t < 40; t++) {
                assertEquals(Math.pow(beta, t), w[t], 2e-6, "beta " + beta + ", t " + t);
                sum += w[t];
            }
            assertEquals(beta == 0 ? 1 : (1 - Math.pow(beta, 40)) / (1 - beta), sum, 1e-4);
        }
    }

    @Test
    void pinnedValues() {
        double[] w = BetaWeights.weights(0.9, 40);
        assertEquals(0.9, w[1], 1e-7);
        assertEquals(0.3486784401, w[10], 1e-6);
        assertEquals(1, w[0]);
    }
}
