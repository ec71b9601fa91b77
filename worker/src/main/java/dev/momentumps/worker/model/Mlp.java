package dev.momentumps.worker.model;

import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.data.Dataset;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A one-hidden-layer perceptron: h = act(W1·x + b1), z = W2·h + b2. With {@code classes >= 2} the loss is
 * the softmax cross-entropy over the k logits; with {@code classes <= 1} there is one scalar output and the
 * loss is (z − y)²/2 (regression). Layout {@code w1[h,d]}, {@code b1[h]}, {@code w2[k,h]}, {@code b2[k]}.
 *
 * <p>Initialisation from the seed: W1 is He-normal (std √(2/d)) for ReLU and Xavier-normal
 * (std √(2/(d+h))) for tanh; W2 is Xavier-normal (std √(2/(h+k))); biases are zero.
 *
 * <p>Scratch buffers (O(h + k) doubles) are allocated once per call, never per example, so one instance is
 * safe to share between threads. The first layer reads rows through {@link Dataset#dot} and
 * {@link Dataset#addScaledRow}, so sparse data works too.
 */
public final class Mlp implements Model {

    private final int features;
    private final int hidden;
    private final int outputs;
    private final boolean regression;
    private final Activation activation;
    private final int b1;
    private final int w2;
    private final int b2;
    private final TensorLayout layout;

    /**
     * @param features   input dimension d
     * @param hidden     hidden units h
     * @param classes    k >= 2 for classification, or <= 1 for a scalar regression output
     * @param activation the hidden non-linearity
     */
    public Mlp(int features, int hidden, int classes, Activation activation) {
        if (features < 1 || hidden < 1) {
            throw new IllegalArgumentException("mlp needs features >= 1 and hidden >= 1, got " + features
                    + " and " + hidden);
        }
        this.features = features;
        this.hidden = hidden;
        this.regression = classes <= 1;
        this.outputs = regression ? 1 : classes;
        this.activation = Objects.requireNonNull(activation, "activation");
        this.b1 = hidden * features;
        this.w2 = b1 + hidden;
        this.b2 = w2 + outputs * hidden;
        this.layout = TensorLayout.builder().add("w1", hidden, features).add("b1", hidden)
                .add("w2", outputs, hidden).add("b2", outputs).build();
    }

    @Override
    public TensorLayout layout() {
        return layout;
    }

    @Override
    public void initialize(float[] w, long seed) {
        ModelChecks.parameters(w, layout);
        Arrays.fill(w, 0f);
        SplittableRandom rng = new SplittableRandom(seed);
        double std1 = activation == Activation.RELU ? Math.sqrt(2.0 / features)
                : Math.sqrt(2.0 / (features + hidden));
        for (int i = 0; i < b1; i++) {
            w[i] = (float) (std1 * rng.nextGaussian());
        }
        double std2 = Math.sqrt(2.0 / (hidden + outputs));
        for (int i = w2; i < b2; i++) {
            w[i] = (float) (std2 * rng.nextGaussian());
        }
    }

    /** Fills pre-activations {@code a}, hidden outputs {@code h} and output logits {@code z} for row r. */
    private void forward(float[] w, Dataset data, int r, double[] a, double[] h, double[] z) {
        for (int j = 0; j < hidden; j++) {
            a[j] = data.dot(r, w, j * features) + w[b1 + j];
            h[j] = activation.apply(a[j]);
        }
        for (int c = 0; c < outputs; c++) {
            int row = w2 + c * hidden;
            double s = w[b2 + c];
            for (int j = 0; j < hidden; j++) {
                s += w[row + j] * h[j];
            }
            z[c] = s;
        }
    }

    /** The loss of one example from its outputs; with {@code gradient}, z becomes dLoss/dz. */
    private double outputLoss(double[] z, float label, int r, boolean gradient) {
        if (regression) {
            double e = z[0] - label;
            z[0] = e;
            return 0.5 * e * e;
        }
        int y = ModelChecks.classOf(label, r, outputs);
        return gradient ? Softmax.crossEntropyGradient(z, outputs, y) : Softmax.crossEntropy(z, outputs, y);
    }

    @Override
    public double lossAndGradient(float[] w, Dataset data, int[] rows, int count, float[] g) {
        ModelChecks.batch(w, g, layout, data, features, count);
        Arrays.fill(g, 0f);
        double[] a = new double[hidden];
        double[] h = new double[hidden];
        double[] z = new double[outputs];
        double inv = 1.0 / count;
        double total = 0;
        for (int i = 0; i < count; i++) {
            int r = rows[i];
            forward(w, data, r, a, h, z);
            total += outputLoss(z, data.label(r), r, true);
            for (int c = 0; c < outputs; c++) {
                float s = (float) (z[c] * inv);
                int row = w2 + c * hidden;
                g[b2 + c] += s;
                for (int j = 0; j < hidden; j++) {
                    g[row + j] += (float) (s * h[j]);
                }
            }
            for (int j = 0; j < hidden; j++) {
                double back = 0;
                for (int c = 0; c < outputs; c++) {
                    back += w[w2 + c * hidden + j] * z[c];
                }
                float s = (float) (back * activation.derivative(a[j], h[j]) * inv);
                data.addScaledRow(r, s, g, j * features);
                g[b1 + j] += s;
            }
        }
        return total * inv;
    }

    @Override
    public double loss(float[] w, Dataset data) {
        ModelChecks.data(w, layout, data, features);
        double[] a = new double[hidden];
        double[] h = new double[hidden];
        double[] z = new double[outputs];
        int n = data.rows();
        double total = 0;
        for (int r = 0; r < n; r++) {
            forward(w, data, r, a, h, z);
            total += outputLoss(z, data.label(r), r, false);
        }
        return total / n;
    }

    /** Classification accuracy (argmax of the logits), or NaN for the regression variant. */
    @Override
    public double accuracy(float[] w, Dataset data) {
        if (regression) {
            return Double.NaN;
        }
        ModelChecks.data(w, layout, data, features);
        double[] a = new double[hidden];
        double[] h = new double[hidden];
        double[] z = new double[outputs];
        int n = data.rows();
        int correct = 0;
        for (int r = 0; r < n; r++) {
            forward(w, data, r, a, h, z);
            if (Softmax.argmax(z, outputs) == (int) data.label(r)) {
                correct++;
            }
        }
        return (double) correct / n;
    }
}
