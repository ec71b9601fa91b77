package dev.momentumps.worker.model;

import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.data.Dataset;
import java.util.Arrays;

/**
 * The diagonal quadratic f(x) = ½ Σ λᵢ xᵢ², gradient λᵢ xᵢ: the textbook ill-conditioned problem for
 * momentum (condition number λ_max/λ_min). It ignores the data rows entirely (pair it with
 * {@link dev.momentumps.worker.data.DenseDataset#featureless} where a dataset is required; {@code data}
 * may be null). Layout {@code x[d]}. {@link #initialize} writes the start point (all ones unless given);
 * the seed is not used.
 */
public final class QuadraticModel implements Model {

    private final double[] lambdas;
    private final float[] start;
    private final TensorLayout layout;

    /** With eigenvalues {@code lambdas} (each > 0) and the start point all ones. */
    public QuadraticModel(double[] lambdas) {
        this(lambdas, ones(lambdas.length));
    }

    /** With eigenvalues {@code lambdas} (each > 0) and start point {@code start}, e.g. (−5, −2). */
    public QuadraticModel(double[] lambdas, float[] start) {
        if (lambdas.length == 0) {
            throw new IllegalArgumentException("need at least one eigenvalue");
        }
        for (int i = 0; i < lambdas.length; i++) {
            if (!(lambdas[i] > 0) || !Double.isFinite(lambdas[i])) {
                throw new IllegalArgumentException("eigenvalue " + i + " must be finite and > 0, got " + lambdas[i]);
            }
        }
        if (start.length != lambdas.length) {
            throw new IllegalArgumentException("start point has " + start.length + " coordinates, expected "
                    + lambdas.length);
        }
        this.lambdas = lambdas.clone();
        this.start = start.clone();
        this.layout = TensorLayout.of("x", lambdas.length);
    }

    /** λᵢ = λ_min·(λ_max/λ_min)^(i/(d−1)), geometric from λ_min to λ_max. */
    public static double[] geometricSpectrum(int d, double min, double max) {
        if (d < 1 || !(min > 0) || !(max >= min)) {
            throw new IllegalArgumentException("need d >= 1 and 0 < min <= max, got d=" + d + ", min=" + min
                    + ", max=" + max);
        }
        double[] l = new double[d];
        for (int i = 0; i < d; i++) {
            l[i] = d == 1 ? min : min * Math.pow(max / min, (double) i / (d - 1));
        }
        return l;
    }

    /** The quadratic in d dimensions with a geometric spectrum between min and max, started at all ones. */
    public static QuadraticModel geometric(int d, double min, double max) {
        return new QuadraticModel(geometricSpectrum(d, min, max));
    }

    private static float[] ones(int d) {
        float[] x = new float[d];
        Arrays.fill(x, 1f);
        return x;
    }

    public double[] lambdas() {
        return lambdas.clone();
    }

    /** λ_max / λ_min. */
    public double conditionNumber() {
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (double l : lambdas) {
            min = Math.min(min, l);
            max = Math.max(max, l);
        }
        return max / min;
    }

    @Override
    public TensorLayout layout() {
        return layout;
    }

    @Override
    public void initialize(float[] w, long seed) {
        ModelChecks.parameters(w, layout);
        System.arraycopy(start, 0, w, 0, start.length);
    }

    @Override
    public double lossAndGradient(float[] w, Dataset data, int[] rows, int count, float[] g) {
        ModelChecks.gradient(w, g, layout);
        double f = 0;
        for (int i = 0; i < lambdas.length; i++) {
            g[i] = (float) (lambdas[i] * w[i]);
            f += lambdas[i] * w[i] * w[i];
        }
        return 0.5 * f;
    }

    @Override
    public double loss(float[] w, Dataset data) {
        ModelChecks.parameters(w, layout);
        double f = 0;
        for (int i = 0; i < lambdas.length; i++) {
            f += lambdas[i] * w[i] * w[i];
        }
        return 0.5 * f;
    }
}
