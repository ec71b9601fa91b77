package dev.momentumps.worker.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TopKTest {

    @Test
    void picksTheLargestMagnitudesAndKeepsTheRestAsResidual() {
        TopK top = new TopK(2);
        int[] rows = new int[5];
        float[] values = new float[5];
        int n = top.select(new float[] {0.5f, -3, 1, 2.5f, -0.1f}, rows, values);
        assertEquals(2, n);
        assertArrayEquals(new int[] {1, 3}, Arrays.copyOf(rows, n));
        assertArrayEquals(new float[] {-3, 2.5f}, Arrays.copyOf(values, n));
        assertArrayEquals(new float[] {0.5f, 0, 1, 0, -0.1f}, top.residual());
        // error feedback: the residual joins the next gradient, so row 2 (1 + 1 = 2) now wins over row 0
        n = top.select(new float[] {0.2f, 0, 1, 0, 0}, rows, values);
        assertArrayEquals(new int[] {0, 2}, Arrays.copyOf(rows, n));
        assertArrayEquals(new float[] {0.7f, 2}, Arrays.copyOf(values, n));
        assertArrayEquals(new float[] {0, 0, 0, 0, -0.1f}, top.residual());
    }

    @Test
    void tiesGoToTheLowerIndexAndNothingIsLost() {
        TopK top = new TopK(3);
        int[] rows = new int[6];
        float[] values = new float[6];
        int n = top.select(new float[] {1, -1, 1, 1, 0, -1}, rows, values);
        assertArrayEquals(new int[] {0, 1, 2}, Arrays.copyOf(rows, n));
        assertArrayEquals(new float[] {0, 0, 0, 1, 0, -1}, top.residual());
    }

    @Test
    void sentPlusResidualIsTheSumOfAllGradients() {
        SplittableRandom rng = new SplittableRandom(3);
        int p = 97;
        TopK top = new TopK(7);
        double[] total = new double[p];
        double[] sent = new double[p];
        int[] rows = new int[p];
        float[] values = new float[p];
        for (int step = 0; step < 50; step++) {
            float[] g = new float[p];
            for (int i = 0; i < p; i++) {
                g[i] = (float) rng.nextGaussian();
                total[i] += g[i];
            }
            int n = top.select(g, rows, values);
            assertEquals(7, n);
            for (int j = 0; j < n; j++) {
                sent[rows[j]] += values[j];
                if (j > 0) {
                    assertEquals(true, rows[j] > rows[j - 1], "rows increasing");
                }
            }
        }
        for (int i = 0; i < p; i++) {
            assertEquals(total[i], sent[i] + top.residual()[i], 1e-4, "row " + i);
        }
    }

    @Test
    void kthLargestAgreesWithSorting() {
        SplittableRandom rng = new SplittableRandom(9);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + rng.nextInt(60);
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = rng.nextInt(10); // many ties
            }
            float[] sorted = a.clone();
            Arrays.sort(sorted);
            int m = 1 + rng.nextInt(n);
            assertEquals(sorted[n - m], TopK.kthLargest(a.clone(), n, m));
        }
    }
}
