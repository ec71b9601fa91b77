package dev.momentumps.study.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.HeavyBallMomentum;
import dev.momentumps.server.optim.Sgd;
import dev.momentumps.server.optim.UpdateRule;
import dev.momentumps.worker.data.DenseDataset;
import dev.momentumps.worker.model.QuadraticModel;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.TaskSpec;
import dev.momentumps.worker.task.Tasks;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImplicitMomentumEstimatorTest {
    private static final double[] LAMBDAS = QuadraticModel.geometricSpectrum(8, 0.5, 5);

    private static void quadraticGradient(float[] w, float[] g) {
        for (int i = 0; i < w.length; i++) {
            g[i] = (float) (LAMBDAS[i] * w[i]);
        }
    }

    @Test
    void recoversTheMomentumOfASyntheticTrajectory() {
        // Δₜ₊₁ = 0.7·Δₜ − 0.05·∇f(wₜ) plus a little noise, on f = ½Σλᵢxᵢ²
        double mu = 0.7;
        double c = 0.05;
        java.util.SplittableRandom noise = new java.util.SplittableRandom(1);
        ImplicitMomentumEstimator e = new ImplicitMomentumEstimator(8, ImplicitMomentumEstimatorTest::quadraticGradient);
        float[] w = new float[8];
        java.util.Arrays.fill(w, 1f);
        float[] d = new float[8];
        float[] g = new float[8];
        e.observe(w);
        for (int t = 0; t < 200; t++) {
            quadraticGradient(w, g);
            for (int i = 0; i < 8; i++) {
                d[i] = (float) (mu * d[i] - c * g[i] + 1e-4 * (noise.nextDouble() - 0.5));
                w[i] += d[i];
            }
            e.observe(w);
        }
        ImplicitMomentumFit m = e.estimate();
        assertEquals(199, m.steps());
        assertEquals(mu, m.mu(), 2e-3);
        assertEquals(c, m.c(), 2e-4);
        assertTrue(m.rSquared() > 0.99, "R² " + m.rSquared());
    }

    private static ImplicitMomentumFit simulated(UpdateRule rule, int workers, SimulationConfig config) {
        QuadraticModel model = new QuadraticModel(LAMBDAS);
        DenseDataset none = DenseDataset.featureless(16);
        List<dev.momentumps.worker.loop.GradientSource> sources = new ArrayList<>();
        TaskSpec spec = TaskSpec.defaults();
        Task task = new Task(model, none, null, "quadratic");
        for (int r = 0; r < workers; r++) {
            sources.add(task.worker(spec, r, workers));
        }
        int[] all = new int[none.rows()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        ImplicitMomentumEstimator e = new ImplicitMomentumEstimator(8,
                (w, g) -> model.lossAndGradient(w, none, all, all.length, g));
        try (ParameterServerCore core = new ParameterServerCore(rule, t -> rule.learningRate(), 0, new Asynchronous(), 1)) {
            new Simulator(core, sources, Collections.nCopies(workers, 300L / workers), config)
                    .onVersion((v, w, s) -> e.observe(w)).run();
        }
        return e.estimate();
    }

    @Test
    void plainSgdHasNoMomentumAndHeavyBallHasItsBeta() {
        ImplicitMomentumFit sgd = simulated(new Sgd(0.05, 0), 1, SimulationConfig.defaults());
        assertEquals(0, sgd.mu(), 1e-4);
        assertEquals(0.05, sgd.c(), 1e-5);
        ImplicitMomentumFit hb = simulated(new HeavyBallMomentum(0.05, 0.6, 0, false), 1, SimulationConfig.defaults());
        assertEquals(0.6, hb.mu(), 1e-4);
        assertEquals(0.05, hb.c(), 1e-5);
        ImplicitMomentumFit negative = simulated(new HeavyBallMomentum(0.05, -0.3, 0, true), 1, SimulationConfig.defaults());
        assertEquals(-0.3, negative.mu(), 1e-4);
    }

    @Test
    void asynchronyBegetsMomentum() {
        // plain SGD, but every gradient 3 versions stale: the fit sees positive momentum
        ImplicitMomentumFit delayed = simulated(new Sgd(0.02, 0), 4, SimulationConfig.defaults().withFixedDelay(3));
        assertTrue(delayed.mu() > 0.3, "mu " + delayed.mu());
    }
}
