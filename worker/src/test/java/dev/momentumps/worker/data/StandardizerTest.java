package dev.momentumps.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StandardizerTest {

    static double mean(Dataset d, int j) {
        double s = 0;
        for (int r = 0; r < d.rows(); r++) {
            s += j < 0 ? d.label(r) : d.value(r, j);
        }
        return s / d.rows();
    }

    static double std(Dataset d, int j) {
        double m = mean(d, j);
        double s = 0;
        for (int r = 0; r < d.rows(); r++) {
            double c = (j < 0 ? d.label(r) : d.value(r, j)) - m;
            s += c * c;
        }
        return Math.sqrt(s / d.rows());
    }

    @Test
    void denseColumnsGetMeanZeroAndPopulationStdOne() {
        DenseDataset raw = Synthetic.linearRegression(500, 4, 0.5, 3).data();
        float[] x = new float[500 * 4];
        for (int r = 0; r < 500; r++) {
            for (int j = 0; j < 4; j++) {
                x[r * 4 + j] = raw.value(r, j) * (j + 1) * 10 + 100 * j;
            }
        }
        float[] y = new float[500];
        for (int r = 0; r < 500; r++) {
            y[r] = raw.label(r) * 7 + 40;
        }
        DenseDataset d = new DenseDataset(x, y, 4);
        Standardizer s = Standardizer.fitWithLabel(d);
        Dataset t = s.apply(d);
        for (int j = -1; j < 4; j++) {
            assertEquals(0, mean(t, j), 1e-5, "mean of column " + j);
            assertEquals(1, std(t, j), 1e-5, "std of column " + j);
        }
        assertEquals(std(d, 2), s.std(2), 1e-3);
        assertEquals(d.label(7), s.unscaleLabel(t.label(7)), 1e-3);
    }

    @Test
    void labelsUntouchedWithoutLabelFitAndTransformAppliesToOtherData() {
        DenseDataset train = new DenseDataset(new float[] {1, 3, 5}, new float[] {10, 20, 30}, 1);
        DenseDataset test = new DenseDataset(new float[] {7}, new float[] {40}, 1);
        Standardizer s = Standardizer.fit(train);
        assertEquals(3, s.mean(0), 1e-12);
        assertEquals(Math.sqrt(8.0 / 3), s.std(0), 1e-9, "population std divides by n");
        Dataset t = s.apply(test);
        assertEquals(4 / Math.sqrt(8.0 / 3), t.value(0, 0), 1e-6);
        assertEquals(40f, t.label(0));
    }

    @Test
    void constantColumnIsOnlyCentred() {
        DenseDataset d = new DenseDataset(new float[] {0.1f, 1, 0.1f, 2, 0.1f, 3}, new float[3], 2);
        Dataset t = Standardizer.fit(d).apply(d);
        for (int r = 0; r < 3; r++) {
            assertEquals(0, t.value(r, 0), 1e-7);
            assertTrue(Float.isFinite(t.value(r, 1)));
        }
    }

    @Test
    void sparseIsScaledNotCentred() {
        SparseDataset d = DatasetTest.sparse();
        Standardizer s = Standardizer.fit(d);
        assertEquals(1.0 / 3, s.mean(0), 1e-9);
        assertEquals(std(d, 0), s.std(0), 1e-6);
        Dataset t = s.apply(d);
        assertTrue(t.isSparse());
        assertEquals(0f, t.value(1, 0), "implicit zeros stay zero");
        for (int j = 0; j < 3; j++) {
            assertEquals(1, std(t, j), 1e-5);
        }
        assertThrows(IllegalArgumentException.class, () -> Standardizer.fitWithLabel(d));
        assertThrows(IllegalArgumentException.class,
                () -> s.apply(new DenseDataset(new float[2], new float[1], 2)));
    }
}
