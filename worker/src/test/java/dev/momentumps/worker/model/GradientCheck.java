package dev.momentumps.worker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.worker.data.Dataset;
import dev.momentumps.worker.data.DenseDataset;
import dev.momentumps.worker.data.SparseDataset;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Central finite differences against a model's analytic gradient, plus small random test data. */
final class GradientCheck {

    private GradientCheck() {
    }

    /**
     * Asserts every component of the analytic gradient at {@code w} matches (f(w+h) − f(w−h)) / (2h) within
     * a relative tolerance of 1e-3 (absolute floor 1e-4), and that the returned loss is {@code loss} on the
     * same rows.
     */
    static void assertGradientMatches(Model model, float[] w, Dataset data, int[] rows, int count) {
        float[] g = new float[w.length];
        float[] scratch = new float[w.length];
        double f = model.lossAndGradient(w, data, rows, count, g);
        assertTrue(Double.isFinite(f), "finite loss");
        int nonZero = 0;
        for (int i = 0; i < w.length; i++) {
            float saved = w[i];
            float h = 1e-3f * Math.max(1f, Math.abs(saved));
            w[i] = saved + h;
            float up = w[i];
            double fUp = model.lossAndGradient(w, data, rows, count, scratch);
            w[i] = saved - h;
            float down = w[i];
            double fDown = model.lossAndGradient(w, data, rows, count, scratch);
            w[i] = saved;
            double numeric = (fUp - fDown) / ((double) up - down);
            double tol = 1e-3 * Math.max(Math.abs(numeric), Math.abs(g[i])) + 1e-4;
            assertEquals(numeric, g[i], tol, "d loss / d w[" + i + "] of " + model.layout());
            if (Math.abs(g[i]) > 1e-3) {
                nonZero++;
            }
        }
        assertTrue(nonZero > w.length / 3, "gradient mostly non-zero (" + nonZero + " of " + w.length + ")");
    }

    /** n rows of d standard-normal features with about a third zeroed, labels from {@code labeller}. */
    static DenseDataset randomDense(int n, int d, int classes, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextInt(3) == 0 ? 0f : (float) rng.nextGaussian();
        }
        float[] y = new float[n];
        for (int r = 0; r < n; r++) {
            y[r] = classes <= 1 ? (float) rng.nextGaussian() : rng.nextInt(classes);
        }
        return new DenseDataset(x, y, d);
    }

    /** The same rows stored sparsely (zeros dropped). */
    static SparseDataset toSparse(DenseDataset dense) {
        int n = dense.rows();
        int d = dense.features();
        int[] rowPtr = new int[n + 1];
        int[] cols = new int[n * d];
        float[] vals = new float[n * d];
        float[] y = new float[n];
        int k = 0;
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < d; j++) {
                if (dense.value(r, j) != 0f) {
                    cols[k] = j;
                    vals[k++] = dense.value(r, j);
                }
            }
            rowPtr[r + 1] = k;
            y[r] = dense.label(r);
        }
        return new SparseDataset(rowPtr, Arrays.copyOf(cols, k), Arrays.copyOf(vals, k), y, d);
    }

    /** Parameters N(0, scale²) from the seed. */
    static float[] randomParameters(Model model, double scale, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] w = new float[model.layout().numElements()];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (scale * rng.nextGaussian());
        }
        return w;
    }

    /** Row indices 0..n-1 with a repeat, as a minibatch may hold. */
    static int[] rows(int n) {
        int[] rows = new int[n + 1];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
        }
        rows[n] = 0;
        return rows;
    }
}
