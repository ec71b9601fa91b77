package dev.momentumps.worker.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.wire.TensorLayout;
import org.junit.jupiter.api.Test;

class StragglerTest {
    /** g = w + 1, loss 7. */
    static final class Plain implements GradientSource {
        @Override
        public TensorLayout layout() {
            return TensorLayout.of("x", 2);
        }

        @Override
        public void initialWeights(float[] w) {
            w[0] = 3;
        }

        @Override
        public double next(float[] w, float[] g) {
            for (int i = 0; i < w.length; i++) {
                g[i] = w[i] + 1;
            }
            return 7;
        }

        @Override
        public int lastBatchSize() {
            return 5;
        }
    }

    @Test
    void computesWhatItWrapsAndTakesAtLeastKTimesTheInjectedDelay() {
        Straggler s = new Straggler(new Plain(), 3, 5);
        float[] w = new float[2];
        s.initialWeights(w);
        float[] g = new float[2];
        long start = System.nanoTime();
        assertEquals(7, s.next(w, g));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertArrayEquals(new float[] {4, 1}, g);
        assertEquals(5, s.lastBatchSize());
        // (K − 1)·(compute + delay) >= 2·5 ms; sleep never returns early (the loop adds its own 5 ms)
        assertTrue(elapsedMs >= 10, "slept " + elapsedMs + " ms");
    }

    @Test
    void factorBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Straggler(new Plain(), 0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> new Straggler(new Plain(), 2, -1));
    }
}
