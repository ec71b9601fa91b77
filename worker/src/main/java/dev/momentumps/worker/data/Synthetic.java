package dev.momentumps.worker.data;

import java.util.SplittableRandom;

/**
 * Seeded synthetic datasets with known generating parameters. Features are standard normal; the same seed
 * always gives the same data. (The ill-conditioned quadratic problem is a model, not a dataset:
 * see {@code dev.momentumps.worker.model.QuadraticModel}; pair it with {@link DenseDataset#featureless}.)
 */
public final class Synthetic {

    private Synthetic() {
    }

    /**
     * Linear regression: y = w·x + b + noise·ε with w, b, x, ε standard normal.
     * The truth is {@code w[0..d), b}.
     */
    public static SyntheticData linearRegression(int n, int d, double noise, long seed) {
        if (noise < 0) {
            throw new IllegalArgumentException("noise must be >= 0, got " + noise);
        }
        return linear(n, d, noise, false, seed);
    }

    /**
     * Binary classification: y ~ Bernoulli(σ(w·x + b)) in {0, 1}, w and b standard normal.
     * The truth is {@code w[0..d), b}.
     */
    public static SyntheticData logistic(int n, int d, long seed) {
        return linear(n, d, 0, true, seed);
    }

    private static SyntheticData linear(int n, int d, double noise, boolean logistic, long seed) {
        checkShape(n, d);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] truth = gaussian(rng, d + 1, 1.0);
        float[] x = gaussian(rng, n * d, 1.0);
        float[] y = new float[n];
        for (int r = 0; r < n; r++) {
            double z = truth[d];
            for (int j = 0; j < d; j++) {
                z += (double) truth[j] * x[r * d + j];
            }
            if (logistic) {
                y[r] = rng.nextDouble() < 1.0 / (1.0 + Math.exp(-z)) ? 1f : 0f;
            } else {
                y[r] = (float) (z + noise * rng.nextGaussian());
            }
        }
        return new SyntheticData(new DenseDataset(x, y, d), truth);
    }

    /**
     * {@code k} Gaussian blobs for multi-class (softmax) tasks: centres drawn from N(0, separation²) per
     * coordinate, each row's class uniform in {@code 0..k-1} and its features centre + N(0, 1).
     * The truth is the centres, {@code k×d}.
     */
    public static SyntheticData blobs(int n, int d, int k, double separation, long seed) {
        checkShape(n, d);
        if (k < 2) {
            throw new IllegalArgumentException("need at least 2 classes, got " + k);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        float[] centres = gaussian(rng, k * d, separation);
        float[] x = gaussian(rng, n * d, 1.0);
        float[] y = new float[n];
        for (int r = 0; r < n; r++) {
            int c = rng.nextInt(k);
            y[r] = c;
            for (int j = 0; j < d; j++) {
                x[r * d + j] += centres[c * d + j];
            }
        }
        return new SyntheticData(new DenseDataset(x, y, d), centres);
    }

    private static void checkShape(int n, int d) {
        if (n < 1 || d < 1 || (long) n * d > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("bad synthetic shape " + n + " rows × " + d + " features");
        }
    }

    private static float[] gaussian(SplittableRandom rng, int size, double std) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (std * rng.nextGaussian());
        }
        return a;
    }
}
