package dev.momentumps.worker.model;

import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.data.Dataset;
import dev.momentumps.worker.data.SparseDataset;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A model whose prediction is the score z = w·x + b, with a per-example loss ℓ(z, y). Layout
 * {@code weight[1,d]}, {@code bias[1]}. Works on dense and sparse datasets alike through
 * {@link Dataset#dot} and {@link Dataset#addScaledRow}.
 *
 * <p>Initialisation: all zeros (the convex losses need nothing else), unless an initial scale is given, in
 * which case the weights are N(0, scale²) from the seed and the bias is zero.
 */
public abstract class GeneralizedLinearModel implements Model {

    private final int features;
    private final double initScale;
    private final TensorLayout layout;

    protected GeneralizedLinearModel(int features, double initScale) {
        if (features < 1) {
            throw new IllegalArgumentException("features must be >= 1, got " + features);
        }
        if (initScale < 0 || !Double.isFinite(initScale)) {
            throw new IllegalArgumentException("initial scale must be finite and >= 0, got " + initScale);
        }
        this.features = features;
        this.initScale = initScale;
        this.layout = TensorLayout.builder().add("weight", 1, features).add("bias", 1).build();
    }

    /** The loss of one example with score {@code z} and label {@code y}. */
    protected abstract double loss(double z, float y);

    /** dℓ/dz for one example. */
    protected abstract double lossDerivative(double z, float y);

    public int features() {
        return features;
    }

    @Override
    public TensorLayout layout() {
        return layout;
    }

    @Override
    public void initialize(float[] w, long seed) {
        ModelChecks.parameters(w, layout);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int j = 0; j < features; j++) {
            w[j] = initScale == 0 ? 0f : (float) (initScale * rng.nextGaussian());
        }
        w[features] = 0f;
    }

    /** The score w·x + b of row {@code r}. */
    protected final double score(float[] w, Dataset data, int r) {
        return data.dot(r, w, 0) + w[features];
    }

    @Override
    public double lossAndGradient(float[] w, Dataset data, int[] rows, int count, float[] g) {
        ModelChecks.batch(w, g, layout, data, features, count);
        Arrays.fill(g, 0f);
        double total = 0;
        double biasGrad = 0;
        double inv = 1.0 / count;
        for (int i = 0; i < count; i++) {
            int r = rows[i];
            double z = score(w, data, r);
            float y = data.label(r);
            total += loss(z, y);
            double s = lossDerivative(z, y) * inv;
            data.addScaledRow(r, (float) s, g, 0);
            biasGrad += s;
        }
        g[features] = (float) biasGrad;
        return total * inv;
    }

    /** On sparse data: the union of the minibatch's stored feature columns, plus the bias. */
    @Override
    public int touchedRows(Dataset data, int[] rows, int count, boolean[] mark, int[] out) {
        if (!(data instanceof SparseDataset sparse)) {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < count; i++) {
            n = sparse.markColumns(rows[i], mark, 0, out, n);
        }
        out[n++] = features;
        for (int j = 0; j < n - 1; j++) {
            mark[out[j]] = false;
        }
        Arrays.sort(out, 0, n);
        return n;
    }

    @Override
    public double loss(float[] w, Dataset data) {
        ModelChecks.data(w, layout, data, features);
        int n = data.rows();
        double total = 0;
        for (int r = 0; r < n; r++) {
            total += loss(score(w, data, r), data.label(r));
        }
        return total / n;
    }
}
