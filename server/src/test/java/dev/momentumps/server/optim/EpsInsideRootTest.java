package dev.momentumps.server.optim;

import static dev.momentumps.server.optim.HandComputedStepsTest.G1;
import static dev.momentumps.server.optim.HandComputedStepsTest.G2;
import static dev.momentumps.server.optim.HandComputedStepsTest.check;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/**
 * The textbook forms with ε under the root, α·g/√(G + ε), on {@link HandComputedStepsTest}'s w₀ = [1, −2],
 * g₁ = [0.5, 1], g₂ = [−1, 2], with η = 0.1 and a large ε = 0.25 so that where it sits shows.
 */
class EpsInsideRootTest {

    @Test
    void adagrad() {
        // sum₁ = [0.25, 1];  w₁ = [1 − 0.1·0.5/√0.5, −2 − 0.1·1/√1.25] = [0.9292893219, −2.0894427191]
        // sum₂ = [1.25, 5];  w₂ = [w₁ + 0.1/√1.5, w₁ − 0.2/√5.25]        = [1.0109389800, −2.1767298752]
        check(new Adagrad(0.1, 0, 0.25, 0, true), 0.1f, new float[][] {G1, G2},
                new double[][] {{0.9292893219, -2.0894427191}, {1.0109389800, -2.1767298752}});
    }

    @Test
    void rmsProp() {
        // α = 0.9: s₁ = 0.1·g₁² = [0.025, 0.1];  w₁ = [1 − 0.05/√0.275, −2 − 0.1/√0.35] = [0.9046537411, −2.1690308509]
        // s₂ = [0.1225, 0.49];  w₂ = [w₁ + 0.1/√0.3725, w₁ − 0.2/√0.74]               = [1.0685001252, −2.4015261284]
        check(new RmsProp(0.1, 0.9, 0.25, 0, false, 0, true), 0.1f, new float[][] {G1, G2},
                new double[][] {{0.9046537411, -2.1690308509}, {1.0685001252, -2.4015261284}});
    }

    @Test
    void rmsPropCentered() {
        // a₁ = 0.1·g₁ = [0.05, 0.1]; d₁ = √(s₁ − a₁² + ε) = [√0.2725, √0.34];  w₁ = [0.9042173715, −2.1714985851]
        // a₂ = [−0.055, 0.29]; d₂ = √(0.1225 − 0.003025 + 0.25), √(0.49 − 0.0841 + 0.25); w₂ = [1.0687331175, −2.4184498075]
        check(new RmsProp(0.1, 0.9, 0.25, 0, true, 0, true), 0.1f, new float[][] {G1, G2},
                new double[][] {{0.9042173715, -2.1714985851}, {1.0687331175, -2.4184498075}});
    }

    @Test
    void adam() {
        // β1 = 0.9, β2 = 0.99: step 1 has m̂ = g, v̂ = g², so w₁ = w₀ − 0.1·g/√(g² + 0.25) = [0.9292893219, −2.0894427191]
        // step 2: m = [−0.055, 0.29], v = [0.010025, 0.0499]; m̂ = m/0.19, v̂ = v/0.0199
        //   w₂ = w₁ − 0.1·m̂/√(v̂ + 0.25) = [0.9602020911, −2.1813571428]
        check(new Adam(0.1, 0.9, 0.99, 0.25, 0, true), 0.1f, new float[][] {G1, G2},
                new double[][] {{0.9292893219, -2.0894427191}, {0.9602020911, -2.1813571428}});
    }

    @Test
    void torchsFormIsStillTheDefaultAndDiffers() {
        // torch: w₁ = 1 − 0.1·0.5/(√0.25 + 0.25) = 1 − 0.05/0.75 ≠ 1 − 0.05/√0.5
        UpdateRule torch = new Adagrad(0.1, 0, 0.25, 0);
        UpdateRule textbook = new Adagrad(0.1, 0, 0.25, 0, true);
        float[] a = {1f, -2f};
        float[] b = a.clone();
        torch.initialize(2);
        textbook.initialize(2);
        torch.apply(a, G1.clone(), 0, 2, 1, 0.1f);
        textbook.apply(b, G1.clone(), 0, 2, 1, 0.1f);
        Approx.assertClose(1 - 0.05 / 0.75, a[0], "torch form");
        assertNotEquals(a[0], b[0]);
    }

    @Test
    void configAndToString() {
        assertEquals("adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1.0E-8, eps_inside_root=true, weight_decay=0.0)",
                UpdateRules.create(OptimizerConfig.builder("adam").epsInsideRoot(true).build()).toString());
        assertEquals("rmsprop(lr=0.01, alpha=0.99, eps=1.0E-8, momentum=0.0, centered=false, eps_inside_root=true, "
                + "weight_decay=0.0)", UpdateRules.create(OptimizerConfig.builder("rmsprop").epsInsideRoot(true).build())
                .toString());
        assertEquals("adagrad(lr=0.01, lr_decay=0.0, eps=1.0E-10, eps_inside_root=true, weight_decay=0.0)",
                UpdateRules.create(OptimizerConfig.builder("adagrad").epsInsideRoot(true).build()).toString());
        ValidationAndFactoryTest.rejects("eps_inside_root is not a hyper-parameter of momentum; it uses lr, beta, "
                + "weight_decay, allow_negative_momentum", () -> OptimizerConfig.builder("momentum").epsInsideRoot(true)
                .build().resolved());
    }
}
