package dev.momentumps.worker.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.worker.data.DenseDataset;
import org.junit.jupiter.api.Test;

/** Losses, gradients and accuracies against values worked out by hand on two or three examples. */
class LossValuesTest {

    private static final int[] BOTH = {0, 1};

    // x = (1, 0) and (0, 1)
    private static DenseDataset unit(float y0, float y1) {
        return new DenseDataset(new float[] {1, 0, 0, 1}, new float[] {y0, y1}, 2);
    }

    @Test
    void linearRegression() {
        // w = (1, 2), b = 0.5: ŷ = 1.5 (y 1) and 2.5 (y 0): losses 0.125 and 3.125
        float[] w = {1, 2, 0.5f};
        float[] g = new float[3];
        double loss = new LinearRegression(2).lossAndGradient(w, unit(1, 0), BOTH, 2, g);
        assertEquals(1.625, loss, 1e-12);
        assertArrayEquals(new float[] {0.25f, 1.25f, 1.5f}, g, 1e-7f);
        assertTrue(Double.isNaN(new LinearRegression(2).accuracy(w, unit(1, 0))));
    }

    @Test
    void logisticRegression() {
        LogisticRegression m = new LogisticRegression(2);
        float[] w = {2, 0, 0};
        float[] g = new float[3];
        // z = 2 (y 1): log(1 + e^-2); z = 0 (y 1): log 2
        double loss = m.lossAndGradient(w, unit(1, 1), BOTH, 2, g);
        assertEquals((Math.log1p(Math.exp(-2)) + Math.log(2)) / 2, loss, 1e-12);
        double s2 = 1 / (1 + Math.exp(-2));
        assertArrayEquals(new float[] {(float) ((s2 - 1) / 2), -0.25f, (float) ((s2 - 1 + 0.5 - 1) / 2)}, g, 1e-7f);
        assertEquals(0.5, m.accuracy(w, unit(1, 1)), 1e-12, "z = 0 counts as class 0");
        assertEquals(Math.log(2), m.loss(new float[3], unit(0, 1)), 1e-12);
    }

    @Test
    void logisticLossIsStableForHugeScores() {
        LogisticRegression m = new LogisticRegression(2);
        float[] w = {1000, -1000, 0};
        assertEquals(1000, m.loss(w, unit(0, 1)), 1e-9);
        assertEquals(0, m.loss(w, unit(1, 0)), 1e-12);
        float[] g = new float[3];
        m.lossAndGradient(w, unit(0, 1), BOTH, 2, g);
        assertArrayEquals(new float[] {0.5f, -0.5f, 0f}, g, 1e-7f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loss(w, unit(-1, 1)));
        assertTrue(e.getMessage().contains("labels 0/1"), e.getMessage());
    }

    @Test
    void softmaxRegression() {
        SoftmaxRegression m = new SoftmaxRegression(2, 3);
        float[] w = new float[9];
        DenseDataset d = new DenseDataset(new float[] {1, 0, 0, 1, 1, 1}, new float[] {0, 2, 1}, 2);
        assertEquals(Math.log(3), m.loss(w, d), 1e-12);
        // bias (0, ln 2, 0): probabilities (1/4, 1/2, 1/4); label 1 costs ln 2, label 0 ln 4
        w[7] = (float) Math.log(2);
        float[] g = new float[9];
        double loss = m.lossAndGradient(w, d, new int[] {2, 0}, 2, g);
        assertEquals((Math.log(2) + Math.log(4)) / 2, loss, 1e-7);
        // bias gradient: mean of p − onehot = ((1/4, −1/2, 1/4) + (−3/4, 1/2, 1/4)) / 2
        assertArrayEquals(new float[] {-0.25f, 0f, 0.25f}, new float[] {g[6], g[7], g[8]}, 1e-7f);
        w[7] = 0;
        w[0] = 1000; // class 0 scores 1000·x0, softmax must not overflow
        assertEquals((1000 + Math.log(3)) / 3, m.loss(w, d), 1e-4);
        assertEquals(2.0 / 3, m.accuracy(w, new DenseDataset(new float[] {1, 0, 1, 1, 0, 1},
                new float[] {0, 0, 2}, 2)), 1e-12);
        assertThrows(IllegalArgumentException.class,
                () -> m.loss(new float[9], new DenseDataset(new float[] {1, 1}, new float[] {3}, 2)));
    }

    @Test
    void mlpByHand() {
        // d = h = 1, scalar output, ReLU: w1 = 2, b1 = 0, w2 = 3, b2 = 1; x = 1, y = 0: h = 2, z = 7
        Mlp m = new Mlp(1, 1, 1, Activation.RELU);
        float[] w = {2, 0, 3, 1};
        float[] g = new float[4];
        DenseDataset d = new DenseDataset(new float[] {1}, new float[] {0}, 1);
        assertEquals(24.5, m.lossAndGradient(w, d, new int[] {0}, 1, g), 1e-12);
        // dz = 7: dw2 = 14, db2 = 7, dh = 21, da = 21: dw1 = 21, db1 = 21
        assertArrayEquals(new float[] {21, 21, 14, 7}, g, 1e-6f);
        assertTrue(Double.isNaN(m.accuracy(w, d)));
    }

    @Test
    void quadraticByHand() {
        QuadraticModel q = new QuadraticModel(new double[] {1, 100}, new float[] {-5, -2});
        float[] w = new float[2];
        q.initialize(w, 123);
        assertArrayEquals(new float[] {-5, -2}, w);
        float[] g = new float[2];
        assertEquals(0.5 * (25 + 400), q.lossAndGradient(w, null, new int[0], 0, g), 1e-12);
        assertArrayEquals(new float[] {-5, -200}, g);
        assertEquals(100, q.conditionNumber(), 1e-12);
        assertArrayEquals(new double[] {1, 10, 100}, QuadraticModel.geometricSpectrum(3, 1, 100), 1e-12);
        float[] ones = new float[4];
        QuadraticModel.geometric(4, 1, 8).initialize(ones, 0);
        assertArrayEquals(new float[] {1, 1, 1, 1}, ones);
    }
}
