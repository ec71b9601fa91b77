package dev.momentumps.server.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.server.optim.DanaZero;
import dev.momentumps.server.optim.Sgd;
import dev.momentumps.server.optim.UpdateRule;
import dev.momentumps.wire.TensorLayout;
import org.junit.jupiter.api.Test;

/** DANA through the core: the look-ahead every worker is sent, whose momentum an update moves, DANA-Slim. */
class AsyncRulesInTheCoreTest {
    private static final TensorLayout LAYOUT = TensorLayout.of("x", 2);

    private static ParameterServerCore core(UpdateRule rule, int workers, float[] w0) {
        ParameterServerCore core = new ParameterServerCore(rule, t -> 0.5f, 0, new Asynchronous(), 1);
        for (int r = 0; r < workers; r++) {
            core.register(r, "w" + r);
        }
        core.initialize(0, LAYOUT, w0);
        return core;
    }

    @Test
    void danaSendsTheLookAheadAndMovesThePushersMomentum() {
        // the steps of AsyncRulesTest.danaKeepsAMomentumPerWorkerAndLooksAheadByTheirSum, through pulls and pushes
        try (ParameterServerCore core = core(new DanaZero(0.5, 0.5, 2, 0), 2, new float[] {1, 2})) {
            float[] a = new float[2];
            float[] b = new float[2];
            core.pull(0, a);
            core.pull(1, b);
            assertArrayEquals(new float[] {1, 2}, a, "no momentum yet: x̂ = θ");
            core.push(0, 0, 1, new float[] {2, 0}, 0, 1);
            core.pull(0, a);
            assertArrayEquals(new float[] {-0.5f, 2}, a);
            core.push(1, 0, 1, new float[] {0, 4}, 0, 1);
            core.pull(1, b);
            assertArrayEquals(new float[] {-0.5f, -1}, b);
            core.push(0, 1, 2, new float[] {2, 2}, 0, 1);
            assertArrayEquals(new float[] {-1.5f, -1}, core.weights(), "the live θ");
            core.pull(0, a);
            assertArrayEquals(new float[] {-2.25f, -2.5f}, a);
            float[] observed = new float[2];
            core.pull(ParameterServerCore.OBSERVER, observed);
            assertArrayEquals(new float[] {-1.5f, -1}, observed, "an observer sees θ, not x̂");
        }
    }

    /** g(x) = [0.2·x₀ + 0.1, 0.4·x₁ − 0.2] + a step-dependent wobble (a stable quadratic at η = 0.5, γ = 0.7). */
    private static float[] gradient(float[] x, int step) {
        return new float[] {0.2f * x[0] + 0.1f + 0.1f * (step % 3), 0.4f * x[1] - 0.2f - 0.05f * (step % 5)};
    }

    @Test
    void danaSlimsServerWeightsAreDanaZerosLookAhead() {
        // three workers, each with a gradient in flight, pushing in the order 0, 1, 2, 0, … (τ = 2)
        float gamma = 0.7f;
        try (ParameterServerCore zero = core(new DanaZero(0.5, gamma, 3, 0), 3, new float[] {1, 2});
             ParameterServerCore slim = core(new Sgd(0.5, 0), 3, new float[] {1, 2})) {
            float[][] onZero = new float[3][2];
            float[][] onSlim = new float[3][2];
            long[] baseZero = new long[3];
            long[] baseSlim = new long[3];
            float[][] v = new float[3][2]; // DANA-Slim's momentum, kept by each worker
            for (int r = 0; r < 3; r++) {
                baseZero[r] = zero.pull(r, onZero[r]);
                baseSlim[r] = slim.pull(r, onSlim[r]);
            }
            for (int step = 0; step < 30; step++) {
                int r = step % 3;
                assertArrayEquals(onZero[r], onSlim[r], 1e-5f, "step " + step + ": the weights worker " + r + " got");
                zero.push(r, baseZero[r], step / 3 + 1, gradient(onZero[r], step), 0, 1);
                float[] g = gradient(onSlim[r], step);
                float[] u = new float[2];
                for (int i = 0; i < 2; i++) {
                    v[r][i] = gamma * v[r][i] + g[i];
                    u[i] = g[i] + gamma * v[r][i];
                }
                slim.push(r, baseSlim[r], step / 3 + 1, u, 0, 1);
                baseZero[r] = zero.pull(r, onZero[r]);
                baseSlim[r] = slim.pull(r, onSlim[r]);
            }
        }
    }

    @Test
    void danaRefusesASynchronousRound() {
        ParameterServerCore core = new ParameterServerCore(new DanaZero(0.5, 0.5, 2, 0), t -> 0.5f, 0,
                new Synchronous(), 1);
        core.register(0, "a");
        core.register(1, "b");
        core.initialize(0, LAYOUT, new float[2]);
        core.push(0, 0, 1, new float[2], 0, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> core.push(1, 0, 1, new float[2], 0, 1));
        assertEquals("dana takes one worker's gradient per update (--mode async); this update averages several",
                e.getMessage());
        core.close();
    }
}
