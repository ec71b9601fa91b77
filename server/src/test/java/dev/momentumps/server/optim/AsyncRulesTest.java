package dev.momentumps.server.optim;

import static dev.momentumps.server.optim.HandComputedStepsTest.G1;
import static dev.momentumps.server.optim.HandComputedStepsTest.G2;
import static dev.momentumps.server.optim.HandComputedStepsTest.W0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The rules built for asynchrony on their own (the core drives them in {@code AsyncRulesInTheCoreTest}). */
class AsyncRulesTest {

    @Test
    void nagStepsAndLookAhead() {
        // β = 0.9, α = 0.1
        // m₁ = 0.1·g₁ = [0.05, 0.1];                 θ₁ = [0.995, −2.01];   look-ahead θ₁ − 0.09·m₁ = [0.9905, −2.019]
        // m₂ = 0.9·m₁ + 0.1·g₂ = [−0.055, 0.29];     θ₂ = [1.0005, −2.039]; look-ahead = [1.00545, −2.0651]
        NesterovLookAhead r = new NesterovLookAhead(0.1, 0.9, 0);
        r.initialize(2);
        float[] w = W0.clone();
        float[] ahead = new float[2];
        r.apply(w, G1.clone(), 0, 2, 1, 0.1f);
        Approx.assertClose(new double[] {0.995, -2.01}, w, "θ₁");
        r.lookAhead(0, w, 0.1f, ahead);
        Approx.assertClose(new double[] {0.9905, -2.019}, ahead, "look-ahead 1");
        r.apply(w, G2.clone(), 0, 2, 2, 0.1f);
        Approx.assertClose(new double[] {1.0005, -2.039}, w, "θ₂");
        r.lookAhead(1, w, 0.1f, ahead);
        Approx.assertClose(new double[] {1.00545, -2.0651}, ahead, "look-ahead 2");
        assertEquals("nag(lr=0.1, beta=0.9, weight_decay=0.0)", r.toString());
    }

    /** ∇f of f(x) = ½ Σ aᵢ xᵢ², aᵢ = 1, 4, 9, … */
    static float[] quadraticGradient(float[] x) {
        float[] g = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            g[i] = (i + 1) * (i + 1) * x[i];
        }
        return g;
    }

    @Test
    void nagSynchronouslyIsTorchsNesterovWithTheLearningRateScaledByOneMinusBeta() {
        double alpha = 0.05;
        double beta = 0.8;
        NesterovLookAhead textbook = new NesterovLookAhead(alpha, beta, 0);
        Nesterov torch = new Nesterov(alpha * (1 - beta), beta, 0);
        float[] theta = {1f, -0.5f, 0.25f};
        float[] phi = theta.clone();
        textbook.initialize(3);
        torch.initialize(3);
        float[] ahead = new float[3];
        for (int t = 1; t <= 40; t++) {
            textbook.lookAhead(0, theta, (float) alpha, ahead);  // the weights a worker is sent
            Approx.assertClose(toDouble(phi), ahead, "step " + t + ": look-ahead vs torch's iterate");
            textbook.apply(theta, quadraticGradient(ahead), 0, 3, t, (float) alpha);
            torch.apply(phi, quadraticGradient(phi), 0, 3, t, (float) (alpha * (1 - beta)));
        }
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void danaKeepsAMomentumPerWorkerAndLooksAheadByTheirSum() {
        // γ = 0.5, η = 0.5, θ₀ = [1, 2]
        DanaZero r = new DanaZero(0.5, 0.5, 2, 0);
        r.initialize(2);
        float[] w = {1f, 2f};
        float[] ahead = new float[2];
        r.beforeUpdate(0, 0, 0, null, w);
        r.apply(w, new float[] {2, 0}, 0, 2, 1, 0.5f);   // v₀ = [2, 0], Σ = [2, 0], θ = [0, 2]
        r.lookAhead(0, w, 0.5f, ahead);                    // θ − 0.25·Σ = [−0.5, 2]
        Approx.assertClose(new double[] {-0.5, 2}, ahead, "x̂ after worker 0");
        r.beforeUpdate(1, 0, 1, null, w);
        r.apply(w, new float[] {0, 4}, 0, 2, 2, 0.5f);   // v₁ = [0, 4], Σ = [2, 4], θ = [0, 0]
        r.lookAhead(1, w, 0.5f, ahead);
        Approx.assertClose(new double[] {-0.5, -1}, ahead, "x̂ after worker 1");
        r.beforeUpdate(0, 1, 2, null, w);
        r.apply(w, new float[] {2, 2}, 0, 2, 3, 0.5f);   // v₀ = 0.5·[2, 0] + [2, 2] = [3, 2], Σ = [3, 6], θ = [−1.5, −1]
        Approx.assertClose(new double[] {-1.5, -1}, w, "θ₃");
        r.lookAhead(0, w, 0.5f, ahead);                    // [−1.5 − 0.75, −1 − 1.5]
        Approx.assertClose(new double[] {-2.25, -2.5}, ahead, "x̂ after worker 0 again");
        assertEquals("dana(lr=0.5, beta=0.5, workers=2, weight_decay=0.0)", r.toString());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> r.beforeUpdate(UpdateOrigin.SEVERAL, 0, 3, null, new float[2]));
        assertEquals("dana takes one worker's gradient per update (--mode async); this update averages several",
                e.getMessage());
        assertThrows(IllegalStateException.class, () -> r.beforeUpdate(2, 0, 3, null, new float[2]));
    }

    @Test
    void closedLoopWithFreshGradientsMovesBetaTowardTheTarget() {
        // τ = 0: the estimate is β itself. β₀ = 0.5, μ* = 0.9, γ = 0.5: β₁ = 0.5 + 0.5·0.4 = 0.7, β₂ = 0.8
        // v₁ = g₁ = [0.5, 1], θ₁ = [0.95, −2.1];  v₂ = 0.8·v₁ + g₂ = [−0.6, 2.8], θ₂ = [1.01, −2.38]
        ClosedLoopMomentum r = new ClosedLoopMomentum(0.1, 0.5, 0.9, 0.5, 0);
        r.initialize(2);
        float[] w = W0.clone();
        r.beforeUpdate(0, 0, 0, G1, w);
        assertEquals(0.7f, r.beta(), 1e-7f);
        assertEquals(0.5f, r.lastEstimate(), 0f);
        r.apply(w, G1.clone(), 0, 2, 1, 0.1f);
        r.beforeUpdate(0, 1, 1, G2, w);
        assertEquals(0.8f, r.beta(), 1e-7f);
        r.apply(w, G2.clone(), 0, 2, 2, 0.1f);
        Approx.assertClose(new double[] {1.01, -2.38}, w, "θ₂");
        assertEquals(2, r.estimates());
        assertEquals("closed-loop(lr=0.1, beta=0.5, target=0.9, gain=0.5, weight_decay=0.0)", r.toString());
    }

    @Test
    void closedLoopMeasuresTheMomentumAStaleGradientAdds() {
        // one element, α = 0.1, β₀ = 0.5, μ* = 0.5, γ = 0.1; θ₀ = 1
        ClosedLoopMomentum r = new ClosedLoopMomentum(0.1, 0.5, 0.5, 0.1, 0);
        r.initialize(1);
        float[] w = {1f};
        r.beforeUpdate(0, 0, 0, new float[] {1}, w);   // τ = 0: estimate β = 0.5, β stays 0.5
        r.apply(w, new float[] {1}, 0, 1, 1, 0.1f);      // v = 1, θ₁ = 0.9
        r.beforeUpdate(1, 0, 1, new float[] {2}, w);   // τ = 1 on θ₀: no step before θ₀, no estimate
        assertEquals(1, r.estimates());
        r.apply(w, new float[] {2}, 0, 1, 2, 0.1f);      // v = 0.5 + 2 = 2.5, θ₂ = 0.65
        // a gradient g = 0.5 computed on θ₁ arrives at version 2:
        // μ̂ = (θ₂ − θ₁ + α·g)/(θ₁ − θ₀) = (−0.25 + 0.05)/(−0.1) = 2;  β = 0.5 + 0.1·(0.5 − 2) = 0.35
        r.beforeUpdate(2, 1, 2, new float[] {0.5f}, w);
        assertEquals(2f, r.lastEstimate(), 1e-5f);
        assertEquals(0.35f, r.beta(), 1e-6f);
        r.apply(w, new float[] {0.5f}, 0, 1, 3, 0.1f);   // v = 0.35·2.5 + 0.5 = 1.375, θ₃ = 0.5125
        assertEquals(0.5125f, w[0], 1e-6f);
    }

    @Test
    void configuration() {
        ValidationAndFactoryTest.rejects("workers (the number of workers dana keeps momentum for) must be >= 1, got 0",
                () -> UpdateRules.create(OptimizerConfig.builder("dana").build()));
        assertEquals("dana(lr=0.01, beta=0.9, workers=4, weight_decay=0.0)",
                UpdateRules.create(OptimizerConfig.builder("dana").workers(4).build()).toString());
        assertEquals("closed-loop(lr=0.01, beta=0.9, target=0.9, gain=0.01, weight_decay=0.0)",
                UpdateRules.create(OptimizerConfig.builder("closed-loop").build()).toString());
        ValidationAndFactoryTest.rejects("target is not a hyper-parameter of momentum; it uses lr, beta, weight_decay, "
                + "allow_negative_momentum", () -> UpdateRules.create(OptimizerConfig.builder("momentum").target(0.5)
                .build()));
        ValidationAndFactoryTest.rejects("gain must be in (0, 1], got 0.0",
                () -> UpdateRules.create(OptimizerConfig.builder("closed-loop").gain(0).build()));
    }
}
