package dev.momentumps.worker.model;

import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.data.Dataset;
import java.util.Arrays;

/**
 * Multinomial logistic regression over {@code k} classes (labels 0..k−1): logits z = Wx + b, mean
 * cross-entropy with a stable log-sum-exp. Layout {@code weight[k,d]}, {@code bias[k]}. Zero-initialised
 * (the loss is convex). Dense and sparse data alike. Scratch of O(k) is allocated per call, never per
 * example, so one instance is safe to share between threads.
 */
public final class SoftmaxRegression implements Model {

    private final int features;
    private final int classes;
    private final int biasOffset;
    private final TensorLayout layout;

    public SoftmaxRegression(int features, int classes) {
        if (features < 1 || classes < 2) {
            throw new IllegalArgumentException("softmax regression needs features >= 1 and classes >= 2, got "
                    + features + " and " + classes);
        }
        this.features = features;
        this.classes = classes;
        this.biasOffset = classes * features;
        this.layout = TensorLayout.builder().add("weight", classes, features).add("bias", classes).build();
    }

    @Override
    public TensorLayout layout() {
        return layout;
    }

    @Override
    public void initialize(float[] w, long seed) {
        ModelChecks.parameters(w, layout);
        Arrays.fill(w, 0f);
    }

    private void logits(float[] w, Dataset data, int r, double[] z) {
        for (int c = 0; c < classes; c++) {
            z[c] = data.dot(r, w, c * features) + w[biasOffset + c];
        }
    }

    @Override
    public double lossAndGradient(float[] w, Dataset data, int[] rows, int count, float[] g) {
        ModelChecks.batch(w, g, layout, data, features, count);
        Arrays.fill(g, 0f);
        double[] z = new double[classes];
        double[] biasGrad = new double[classes];
        double inv = 1.0 / count;
        double total = 0;
        for (int i = 0; i < count; i++) {
            int r = rows[i];
            int y = ModelChecks.classOf(data.label(r), r, classes);
            logits(w, data, r, z);
            total += Softmax.crossEntropyGradient(z, classes, y);
            for (int c = 0; c < classes; c++) {
                double s = z[c] * inv;
                data.addScaledRow(r, (float) s, g, c * features);
                biasGrad[c] += s;
            }
        }
        for (int c = 0; c < classes; c++) {
            g[biasOffset + c] = (float) biasGrad[c];
        }
        return total * inv;
    }

    @Override
    public double loss(float[] w, Dataset data) {
        ModelChecks.data(w, layout, data, features);
        double[] z = new double[classes];
        int n = data.rows();
        double total = 0;
        for (int r = 0; r < n; r++) {
            logits(w, data, r, z);
            total += Softmax.crossEntropy(z, classes, ModelChecks.classOf(data.label(r), r, classes));
        }
        return total / n;
    }

    @Override
    public double accuracy(float[] w, Dataset data) {
        ModelChecks.data(w, layout, data, features);
        double[] z = new double[classes];
        int n = data.rows();
        int correct = 0;
        for (int r = 0; r < n; r++) {
            logits(w, data, r, z);
            if (Softmax.argmax(z, classes) == (int) data.label(r)) {
                correct++;
            }
        }
        return (double) correct / n;
    }
}
