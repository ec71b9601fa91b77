package dev.momentumps.worker.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.momentumps.wire.TensorLayout;
import org.junit.jupiter.api.Test;

/** DANA-Slim's worker, local SGD and the elastic worker against hand-computed steps. */
class WorkerSideMethodsTest {
    static final float TOL = 1e-6f;

    /** f(x) = ½‖x‖², ∇f(x) = x, batches of 8 examples; remembers where it was asked for gradients. */
    static final class Quadratic implements GradientSource {
        final int n;
        float[] lastAt;

        Quadratic(int n) {
            this.n = n;
        }

        @Override
        public TensorLayout layout() {
            return TensorLayout.builder().add("x", n).build();
        }

        @Override
        public void initialWeights(float[] w) {
        }

        @Override
        public double next(float[] w, float[] g) {
            lastAt = w.clone();
            double loss = 0;
            for (int i = 0; i < n; i++) {
                g[i] = w[i];
                loss += 0.5 * w[i] * w[i];
            }
            return loss;
        }

        @Override
        public int lastBatchSize() {
            return 8;
        }
    }

    /** Returns the gradients it is given, in turn, whatever the weights. */
    static final class Fixed implements GradientSource {
        final float[][] gradients;
        int k;

        Fixed(float[]... gradients) {
            this.gradients = gradients;
        }

        @Override
        public TensorLayout layout() {
            return TensorLayout.builder().add("x", gradients[0].length).build();
        }

        @Override
        public void initialWeights(float[] w) {
        }

        @Override
        public double next(float[] w, float[] g) {
            System.arraycopy(gradients[k++], 0, g, 0, g.length);
            return 1;
        }

        @Override
        public int lastBatchSize() {
            return 8;
        }
    }

    @Test
    void danaSlimSendsTheGradientPlusGammaTimesItsMomentum() {
        // γ = 0.5; g₁ = [1, 2]: v = [1, 2], sends [1.5, 3]; g₂ = [2, 0]: v = [2.5, 1], sends [3.25, 0.5]
        DanaSlim d = new DanaSlim(new Fixed(new float[] {1, 2}, new float[] {2, 0}), 0.5);
        float[] g = new float[2];
        d.next(new float[2], g);
        assertArrayEquals(new float[] {1.5f, 3}, g, TOL);
        d.next(new float[2], g);
        assertArrayEquals(new float[] {3.25f, 0.5f}, g, TOL);
        assertArrayEquals(new float[] {2.5f, 1}, d.velocity(), TOL);
        assertEquals("dana-slim(gamma=0.5)", d.toString());
        assertThrows(IllegalArgumentException.class, () -> new DanaSlim(new Quadratic(1), 1));
    }

    @Test
    void localSgdTakesHStepsWithMomentumAndSendsTheDisplacement() {
        // H = 2, γ = 0.1, β = 0.5, ∇f(x) = x, from w = [1, 2]:
        // k = 0: d = [1, 2],                       x = [0.9, 1.8]
        // k = 1: d = 0.5·[1, 2] + [0.9, 1.8] = [1.4, 2.8], x = [0.76, 1.52];  sends w − x = [0.24, 0.48]
        // next push, from w = [1, 2] again, d carried over:
        // k = 0: d = 0.5·[1.4, 2.8] + [1, 2] = [1.7, 3.4],   x = [0.83, 1.66]
        // k = 1: d = 0.5·[1.7, 3.4] + [0.83, 1.66] = [1.68, 3.36], x = [0.662, 1.324]; sends [0.338, 0.676]
        LocalSgd l = new LocalSgd(new Quadratic(2), 2, 0.1, 0.5);
        float[] w = {1, 2};
        float[] g = new float[2];
        double loss = l.next(w, g);
        assertArrayEquals(new float[] {0.24f, 0.48f}, g, TOL);
        assertEquals((2.5 + 0.5 * (0.81 + 3.24)) / 2, loss, 1e-6, "the mean of the local minibatch losses");
        assertEquals(16, l.lastBatchSize());
        assertEquals(2, l.gradientsPerNext());
        assertArrayEquals(new float[] {1, 2}, w, "the weights the server sent stay as they are");
        l.next(w, g);
        assertArrayEquals(new float[] {0.338f, 0.676f}, g, TOL);
        assertEquals("local-sgd(steps=2, lr=0.1, momentum=0.5)", l.toString());
    }

    @Test
    void easgdWorkerSendsItsWeightsAndMovesTowardTheCenterItRead() {
        // H = 1, η = 0.1, α = 0.5, ∇f(x) = x; the server (one worker) is x̃ <- x̃ + α(x − x̃)
        // push 1, from x̃ = [1, 2]: x = [1, 2] − 0.1·[1, 2] = [0.9, 1.8]; sends it; owes 0.5·(x − x̃) = [−0.05, −0.1]
        //   server: x̃ = [1, 2] + 0.5·([0.9, 1.8] − [1, 2]) = [0.95, 1.9]
        // push 2: gradient at x = [0.9, 1.8] (before the elastic move), x = [0.9, 1.8] + [0.05, 0.1] − 0.1·[0.9, 1.8]
        //   = [0.86, 1.72]
        Quadratic f = new Quadratic(2);
        ElasticWorker e = new ElasticWorker(f, 1, 0.1, 0.5, 0);
        float[] g = new float[2];
        e.next(new float[] {1, 2}, g);
        assertArrayEquals(new float[] {0.9f, 1.8f}, g, TOL);
        e.next(new float[] {0.95f, 1.9f}, g);
        assertArrayEquals(new float[] {0.9f, 1.8f}, f.lastAt, TOL);
        assertArrayEquals(new float[] {0.86f, 1.72f}, g, TOL);
        assertEquals("easgd(steps=1, lr=0.1, alpha=0.5)", e.toString());
    }

    @Test
    void eamsgdWorkerTakesNesterovStepsBetweenPushes() {
        // H = 2, η = 0.1, δ = 0.5, α = 0.5, ∇f(x) = x, one coordinate, center x̃ = 1:
        // k = 0: gradient at x + δv = 1,            v = −0.1,                     x = 0.9
        // k = 1: gradient at 0.9 − 0.05 = 0.85,     v = −0.05 − 0.085 = −0.135,   x = 0.765; sends 0.765,
        //        owes 0.5·(0.765 − 1) = −0.1175
        // push 2, center read 0.8825 (the server's 1 + 0.5·(0.765 − 1)):
        // k = 0: gradient at 0.765 − 0.0675 = 0.6975, v = −0.0675 − 0.06975 = −0.13725,
        //        x = 0.765 + 0.1175 − 0.13725 = 0.74525
        // k = 1: gradient at 0.74525 − 0.068625 = 0.676625, v = −0.068625 − 0.0676625 = −0.1362875,
        //        x = 0.6089625; sends it
        Quadratic f = new Quadratic(1);
        ElasticWorker e = new ElasticWorker(f, 2, 0.1, 0.5, 0.5);
        float[] g = new float[1];
        e.next(new float[] {1}, g);
        assertEquals(0.765f, g[0], TOL);
        assertEquals(2, e.gradientsPerNext());
        e.next(new float[] {0.8825f}, g);
        assertEquals(0.676625f, f.lastAt[0], TOL);
        assertEquals(0.6089625f, g[0], TOL);
        assertEquals(0.6089625f, e.local()[0], TOL);
        assertEquals("eamsgd(steps=2, lr=0.1, alpha=0.5, delta=0.5)", e.toString());
        assertThrows(IllegalArgumentException.class, () -> new ElasticWorker(f, 1, 0.1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ElasticWorker(f, 0, 0.1, 0.5, 0));
    }
}
