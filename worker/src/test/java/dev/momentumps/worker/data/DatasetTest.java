package dev.momentumps.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DatasetTest {

    // rows: (1, 0, 2 | 5), (0, 0, 0 | 6), (0, 3, 0 | 7)
    private static final float[] X = {1, 0, 2, 0, 0, 0, 0, 3, 0};
    private static final float[] Y = {5, 6, 7};

    static DenseDataset dense() {
        return new DenseDataset(X.clone(), Y.clone(), 3);
    }

    static SparseDataset sparse() {
        return new SparseDataset(new int[] {0, 2, 2, 3}, new int[] {0, 2, 1}, new float[] {1, 2, 3}, Y.clone(), 3);
    }

    @Test
    void denseAndSparseAgree() {
        float[] w = {0, 10, 20, 30, 99};
        for (Dataset d : new Dataset[] {dense(), sparse()}) {
            assertEquals(3, d.rows());
            assertEquals(3, d.features());
            assertEquals(1 * 10 + 2 * 30, d.dot(0, w, 1), 1e-9, d.toString());
            assertEquals(0, d.dot(1, w, 1), 1e-9);
            assertEquals(3 * 20, d.dot(2, w, 1), 1e-9);
            float[] g = new float[5];
            d.addScaledRow(0, 2f, g, 2);
            assertEquals(2f, g[2]);
            assertEquals(0f, g[3]);
            assertEquals(4f, g[4]);
            for (int r = 0; r < 3; r++) {
                for (int j = 0; j < 3; j++) {
                    assertEquals(X[r * 3 + j], d.value(r, j));
                }
            }
        }
    }

    @Test
    void slicesShareRowsAndCheckBounds() {
        for (Dataset d : new Dataset[] {dense(), sparse()}) {
            Dataset s = d.slice(1, 3);
            assertEquals(2, s.rows());
            assertEquals(6f, s.label(0));
            assertEquals(3f, s.value(1, 1));
            Dataset ss = s.slice(1, 2);
            assertEquals(7f, ss.label(0));
            assertEquals(3.0, ss.dot(0, new float[] {1, 1, 1}, 0), 1e-9);
            assertThrows(IndexOutOfBoundsException.class, () -> d.slice(2, 4));
            assertThrows(IndexOutOfBoundsException.class, () -> d.slice(2, 1));
        }
    }

    @Test
    void constructorsRejectInconsistentArrays() {
        assertThrows(IllegalArgumentException.class, () -> new DenseDataset(new float[5], new float[2], 3));
        assertThrows(IllegalArgumentException.class,
                () -> new SparseDataset(new int[] {0, 1}, new int[] {3}, new float[] {1}, new float[1], 3));
        assertThrows(IllegalArgumentException.class,
                () -> new SparseDataset(new int[] {0, 2}, new int[] {1, 1}, new float[] {1, 1}, new float[1], 3));
        assertEquals(4, DenseDataset.featureless(4).rows());
    }
}
