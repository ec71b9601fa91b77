package dev.momentumps.server.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Hyper-parameter validation, the config defaults, the factory and toString. */
class ValidationAndFactoryTest {

    static void rejects(String expectedMessage, Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertEquals(expectedMessage, ex.getMessage());
    }

    @Test
    void badHyperParametersNameTheParameterAndRange() {
        rejects("lr must be > 0, got -1.0", () -> new Sgd(-1, 0));
        rejects("lr must be > 0, got 0.0", () -> new Adam(0, 0.9, 0.999, 1e-8, 0));
        rejects("lr must be > 0, got NaN", () -> new Sgd(Double.NaN, 0));
        rejects("weight_decay must be >= 0, got -0.1", () -> new Sgd(0.1, -0.1));
        rejects("beta must be in [0, 1), got 1.2", () -> new HeavyBallMomentum(0.1, 1.2, 0, false));
        rejects("beta must be in [0, 1), got -0.5", () -> new HeavyBallMomentum(0.1, -0.5, 0, false));
        rejects("beta must be in (-1, 1), got -1.0", () -> new HeavyBallMomentum(0.1, -1, 0, true));
        rejects("beta must be in [0, 1), got 1.0", () -> new EmaMomentum(0.1, 1, 0));
        rejects("beta must be in [0, 1), got -0.1", () -> new Nesterov(0.1, -0.1, 0));
        rejects("eps must be > 0, got 0.0", () -> new Adagrad(0.1, 0, 0, 0));
        rejects("lr_decay must be >= 0, got -1.0", () -> new Adagrad(0.1, -1, 1e-10, 0));
        rejects("alpha must be in [0, 1), got 1.5", () -> new RmsProp(0.01, 1.5, 1e-8, 0, false, 0));
        rejects("momentum must be in [0, 1), got -0.5", () -> new RmsProp(0.01, 0.99, 1e-8, -0.5, false, 0));
        rejects("rho must be in [0, 1), got 1.0", () -> new AdaDelta(1, 1, 1e-6, 0));
        rejects("beta1 must be in [0, 1), got 1.0", () -> new Adam(0.001, 1, 0.999, 1e-8, 0));
        rejects("beta2 must be in [0, 1), got -0.1", () -> new AdamW(0.001, 0.9, -0.1, 1e-8, 0.01));
        rejects("eps must be > 0, got -1.0E-8", () -> new AdamW(0.001, 0.9, 0.999, -1e-8, 0.01));
        rejects("max_norm must be > 0, got 0.0", () -> GradientClipping.clipByGlobalNorm(new float[1], 0));
        rejects("clip_norm must be >= 0, got -1.0", () -> OptimizerConfig.builder("sgd").clipNorm(-1).build());
    }

    @Test
    void applyChecksItsArguments() {
        UpdateRule r = new HeavyBallMomentum(0.1, 0.9, 0, false);
        assertThrows(IllegalStateException.class, () -> r.apply(new float[2], new float[2], 0, 2, 1, 0.1f));
        r.initialize(2);
        assertThrows(IndexOutOfBoundsException.class, () -> r.apply(new float[2], new float[2], 0, 3, 1, 0.1f));
        assertThrows(IllegalArgumentException.class, () -> r.apply(new float[2], new float[2], 0, 2, 0, 0.1f));
    }

    @Test
    void toStringShowsNameAndEveryHyperParameter() {
        assertEquals("sgd(lr=0.1, weight_decay=0.0)", new Sgd(0.1, 0).toString());
        assertEquals("momentum(lr=0.1, beta=0.9, weight_decay=0.0)",
                new HeavyBallMomentum(0.1, 0.9, 0, false).toString());
        assertEquals("momentum(lr=0.1, beta=-0.3, allow_negative=true, weight_decay=0.0)",
                new HeavyBallMomentum(0.1, -0.3, 0, true).toString());
        assertEquals("ema-momentum(lr=0.1, beta=0.9, weight_decay=0.0)", new EmaMomentum(0.1, 0.9, 0).toString());
        assertEquals("nesterov(lr=0.05, beta=0.8, weight_decay=0.01)", new Nesterov(0.05, 0.8, 0.01).toString());
        assertEquals("adagrad(lr=0.01, lr_decay=0.0, eps=1.0E-10, weight_decay=0.0)",
                new Adagrad(0.01, 0, 1e-10, 0).toString());
        assertEquals("rmsprop(lr=0.01, alpha=0.99, eps=1.0E-8, momentum=0.9, centered=true, weight_decay=0.0)",
                new RmsProp(0.01, 0.99, 1e-8, 0.9, true, 0).toString());
        assertEquals("adadelta(lr=1.0, rho=0.9, eps=1.0E-6, weight_decay=0.0)",
                new AdaDelta(1, 0.9, 1e-6, 0).toString());
        assertEquals("adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1.0E-8, weight_decay=0.0)",
                new Adam(0.001, 0.9, 0.999, 1e-8, 0).toString());
        assertEquals("adamw(lr=0.001, beta1=0.9, beta2=0.999, eps=1.0E-8, weight_decay=0.01)",
                new AdamW(0.001, 0.9, 0.999, 1e-8, 0.01).toString());
    }

    @Test
    void factoryAppliesTorchDefaults() {
        assertEquals("adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1.0E-8, weight_decay=0.0)",
                UpdateRules.create(OptimizerConfig.builder("adam").build()).toString());
        assertEquals("adamw(lr=0.001, beta1=0.9, beta2=0.999, eps=1.0E-8, weight_decay=0.01)",
                UpdateRules.create(OptimizerConfig.builder("AdamW").build()).toString());
        assertEquals("adagrad(lr=0.01, lr_decay=0.0, eps=1.0E-10, weight_decay=0.0)",
                UpdateRules.create(OptimizerConfig.builder("adagrad").build()).toString());
        assertEquals("rmsprop(lr=0.01, alpha=0.99, eps=1.0E-8, momentum=0.0, centered=false, weight_decay=0.0)",
                UpdateRules.create(OptimizerConfig.builder("rmsprop").build()).toString());
        assertEquals("adadelta(lr=1.0, rho=0.9, eps=1.0E-6, weight_decay=0.0)",
                UpdateRules.create(OptimizerConfig.builder("adadelta").build()).toString());
        assertEquals("momentum(lr=0.2, beta=-0.4, allow_negative=true, weight_decay=0.0)",
                UpdateRules.create(OptimizerConfig.builder("momentum").lr(0.2).beta(-0.4)
                        .allowNegativeMomentum(true).build()).toString());
        assertInstanceOf(EmaMomentum.class, UpdateRules.create(OptimizerConfig.builder("ema-momentum").build()));
        assertInstanceOf(Nesterov.class, UpdateRules.create(OptimizerConfig.builder("nesterov").build()));
        assertInstanceOf(Sgd.class, UpdateRules.create(OptimizerConfig.builder("sgd").build()));
    }

    @Test
    void everyNameBuildsARuleOfThatName() {
        assertEquals(List.of("sgd", "momentum", "ema-momentum", "nesterov", "nag", "dana", "closed-loop", "easgd",
                "slowmo", "adagrad", "rmsprop", "adadelta", "adam", "adamw"), UpdateRules.names());
        for (String name : UpdateRules.names()) {
            UpdateRule r = UpdateRules.create(OptimizerConfig.builder(name).workers(name.equals("dana") ? 2 : 0).build());
            assertEquals(name, r.name());
            assertTrue(r.toString().startsWith(name + "(lr="), r.toString());
        }
    }

    @Test
    void unknownRuleListsTheValidOnes() {
        rejects("unknown update rule 'lion'; valid rules: sgd, momentum, ema-momentum, nesterov, nag, dana, "
                + "closed-loop, easgd, slowmo, adagrad, rmsprop, adadelta, adam, adamw", () -> UpdateRules.create(OptimizerConfig.builder("lion").build()));
    }

    @Test
    void fieldsTheRuleDoesNotUseAreRejected() {
        rejects("rho is not a hyper-parameter of adam; it uses lr, beta1, beta2, eps, weight_decay, eps_inside_root",
                () -> UpdateRules.create(OptimizerConfig.builder("adam").rho(0.9).build()));
        rejects("allow_negative_momentum is not a hyper-parameter of nesterov; it uses lr, beta, weight_decay",
                () -> UpdateRules.create(OptimizerConfig.builder("nesterov").allowNegativeMomentum(true).build()));
        rejects("beta must be in [0, 1), got -0.4",
                () -> UpdateRules.create(OptimizerConfig.builder("momentum").beta(-0.4).build()));
    }

    @Test
    void stateVectorsAreLiveAndNamed() {
        UpdateRule adam = UpdateRules.create(OptimizerConfig.builder("adam").build());
        adam.initialize(3);
        assertEquals(Set.of("exp_avg", "exp_avg_sq"), adam.state().keySet());
        adam.apply(new float[3], new float[] {1, 2, 3}, 0, 3, 1, 0.001f);
        assertEquals(0.1f, adam.state().get("exp_avg")[0], 1e-7f);
        assertTrue(UpdateRules.create(OptimizerConfig.builder("sgd").build()).state().isEmpty());
        UpdateRule rms = new RmsProp(0.01, 0.99, 1e-8, 0.9, true, 0);
        rms.initialize(2);
        assertEquals(List.of("square_avg", "grad_avg", "momentum_buffer"), List.copyOf(rms.state().keySet()));
        // a restored state vector takes effect: the next step continues from it
        UpdateRule m = new HeavyBallMomentum(1, 0.5, 0, false);
        m.initialize(1);
        m.state().get("velocity")[0] = 2f;
        float[] w = {0};
        m.apply(w, new float[] {1}, 0, 1, 5, 1f);
        assertEquals(-2f, w[0]); // v = 0.5·2 + 1 = 2
    }
}
