package dev.momentumps.server.optim;

import static dev.momentumps.server.optim.HandComputedStepsTest.G1;
import static dev.momentumps.server.optim.HandComputedStepsTest.G2;
import static dev.momentumps.server.optim.HandComputedStepsTest.W0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The server rules of the local-step methods: EASGD's center and SlowMo's outer step, against hand-computed steps. */
class OuterStepRulesTest {

    @Test
    void easgdMovesTheCenterTowardThePushedWeightsByAlpha() {
        // α = 0.25, x̃₀ = [1, −2]
        // x₁ = [3, 2]:     x̃₁ = x̃₀ + 0.25·([3, 2] − [1, −2]) = [1.5, −1]
        // x₂ = [1.5, −5]:  x̃₂ = [1.5, −1] + 0.25·([0, −4]) = [1.5, −2]
        ElasticAveraging r = new ElasticAveraging(0.25);
        r.initialize(2);
        float[] w = W0.clone();
        r.apply(w, new float[] {3, 2}, 0, 2, 1, 0.25f);
        Approx.assertClose(new double[] {1.5, -1}, w, "x̃₁");
        r.apply(w, new float[] {1.5f, -5}, 0, 2, 2, 0.25f);
        Approx.assertClose(new double[] {1.5, -2}, w, "x̃₂");
        assertEquals("easgd(lr=0.25, weight_decay=0.0)", r.toString());
        assertTrue(r.state().isEmpty());
    }

    @Test
    void easgdRefusesAMovingRateOutsideZeroOneAndWeightDecay() {
        assertThrows(IllegalArgumentException.class, () -> new ElasticAveraging(1.5));
        assertThrows(IllegalArgumentException.class, () -> new ElasticAveraging(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UpdateRules.create(OptimizerConfig.builder("easgd").weightDecay(0.1).build()));
        assertTrue(e.getMessage().contains("weight_decay"), e.getMessage());
        assertEquals("easgd(lr=0.225, weight_decay=0.0)", UpdateRules.create(OptimizerConfig.defaults("easgd")).toString());
    }

    @Test
    void slowmoIsHeavyBallOnTheDisplacements() {
        // α = 1, β = 0.5, x₀ = [1, −2]
        // Δ₁ = [0.5, 1]:  u₁ = [0.5, 1];                          x₁ = [0.5, −3]
        // Δ₂ = [−1, 2]:   u₂ = 0.5·[0.5, 1] + [−1, 2] = [−0.75, 2.5]; x₂ = [1.25, −5.5]
        SlowMomentum r = new SlowMomentum(1, 0.5);
        r.initialize(2);
        float[] w = W0.clone();
        r.apply(w, G1.clone(), 0, 2, 1, 1f);
        Approx.assertClose(new double[] {0.5, -3}, w, "x₁");
        r.apply(w, G2.clone(), 0, 2, 2, 1f);
        Approx.assertClose(new double[] {1.25, -5.5}, w, "x₂");
        Approx.assertClose(new double[] {-0.75, 2.5}, r.state().get("velocity"), "u₂");
        assertEquals("slowmo(lr=1.0, beta=0.5, weight_decay=0.0)", r.toString());
        assertEquals("slowmo(lr=1.0, beta=0.5, weight_decay=0.0)",
                UpdateRules.create(OptimizerConfig.defaults("slowmo")).toString());
    }

    @Test
    void slowmoWithASlowLearningRateScalesTheOuterStep() {
        // α = 0.5, β = 0: x₁ = x₀ − 0.5·Δ₁ = [0.75, −2.5]
        SlowMomentum r = new SlowMomentum(0.5, 0);
        r.initialize(2);
        float[] w = W0.clone();
        r.apply(w, G1.clone(), 0, 2, 1, 0.5f);
        Approx.assertClose(new double[] {0.75, -2.5}, w, "x₁");
        assertThrows(IllegalArgumentException.class, () -> new SlowMomentum(1, 1));
    }
}
