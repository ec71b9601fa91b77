package dev.momentumps.worker.model;

import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.data.Dataset;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A convolutional network for square one-channel images, the one {@code python/examples/mnist_cnn.py} trains
 * with PyTorch: conv 5×5 (padding 2) → ReLU → 2×2 max-pool → conv 5×5 (padding 2) → ReLU → 2×2 max-pool →
 * flatten (channel, row, column) → linear → ReLU → linear, with the softmax cross-entropy over the logits.
 * For MNIST (28×28, 16 and 32 channels, 128 hidden units, 10 classes) that is 215,370 parameters.
 *
 * <p>Layout, in PyTorch's order and shapes so a {@code state_dict} flattens onto it:
 * {@code conv1.weight[c1,1,5,5]}, {@code conv1.bias[c1]}, {@code conv2.weight[c2,c1,5,5]},
 * {@code conv2.bias[c2]}, {@code fc1.weight[h, c2·(s/4)²]}, {@code fc1.bias[h]}, {@code fc2.weight[k,h]},
 * {@code fc2.bias[k]}. Initialisation is PyTorch's default for {@code Conv2d} and {@code Linear}: weights and
 * biases uniform in ±1/√fan_in.
 *
 * <p>The convolutions run as im2col: the patch matrix {@code col[(c·25), pixels]} turns the forward pass into
 * axpy loops over the pixels, and its transpose {@code colT[pixels, (c·25)]} turns the backward pass into
 * axpy loops over the patch; only the positions a max-pool passed on (a quarter) carry a gradient back, so
 * the backward pass visits only them. Max-pooling passes the first maximum of each window back, as
 * PyTorch does. Scratch arrays are allocated once per call, so one instance is safe to share between threads.
 */
public final class Cnn implements Model {

    private static final int KERNEL = 5;
    private static final int TAPS = KERNEL * KERNEL;
    private static final int PAD = 2;

    private final int side;
    private final int half;
    private final int quarter;
    private final int channels1;
    private final int channels2;
    private final int hidden;
    private final int classes;
    private final int flat;
    private final int conv1b;
    private final int conv2w;
    private final int conv2b;
    private final int fc1w;
    private final int fc1b;
    private final int fc2w;
    private final int fc2b;
    private final TensorLayout layout;

    /** The MNIST network of {@code mnist_cnn.py}: 16 and 32 channels, 128 hidden units. */
    public static Cnn mnist(int features, int classes) {
        return new Cnn(sideOf(features), 16, 32, 128, classes);
    }

    /**
     * @param side      image side s (features = s²), a multiple of 4
     * @param channels1 channels of the first convolution
     * @param channels2 channels of the second convolution
     * @param hidden    units of the hidden linear layer
     * @param classes   outputs k >= 2
     */
    public Cnn(int side, int channels1, int channels2, int hidden, int classes) {
        if (side < 4 || side % 4 != 0) {
            throw new IllegalArgumentException("cnn needs an image side that is a positive multiple of 4, got " + side);
        }
        if (channels1 < 1 || channels2 < 1 || hidden < 1 || classes < 2) {
            throw new IllegalArgumentException("cnn needs channels >= 1, hidden >= 1 and classes >= 2, got "
                    + channels1 + ", " + channels2 + ", " + hidden + ", " + classes);
        }
        this.side = side;
        this.half = side / 2;
        this.quarter = side / 4;
        this.channels1 = channels1;
        this.channels2 = channels2;
        this.hidden = hidden;
        this.classes = classes;
        this.flat = channels2 * quarter * quarter;
        this.conv1b = channels1 * TAPS;
        this.conv2w = conv1b + channels1;
        this.conv2b = conv2w + channels2 * channels1 * TAPS;
        this.fc1w = conv2b + channels2;
        this.fc1b = fc1w + hidden * flat;
        this.fc2w = fc1b + hidden;
        this.fc2b = fc2w + classes * hidden;
        this.layout = TensorLayout.builder()
                .add("conv1.weight", channels1, 1, KERNEL, KERNEL).add("conv1.bias", channels1)
                .add("conv2.weight", channels2, channels1, KERNEL, KERNEL).add("conv2.bias", channels2)
                .add("fc1.weight", hidden, flat).add("fc1.bias", hidden)
                .add("fc2.weight", classes, hidden).add("fc2.bias", classes).build();
    }

    /** The side of a square image of {@code features} pixels. */
    static int sideOf(int features) {
        int s = (int) Math.round(Math.sqrt(features));
        if (s * s != features || s % 4 != 0) {
            throw new IllegalArgumentException("cnn needs square images whose side is a multiple of 4 (28×28 = 784 "
                    + "features for MNIST), got " + features + " features");
        }
        return s;
    }

    @Override
    public TensorLayout layout() {
        return layout;
    }

    @Override
    public void initialize(float[] w, long seed) {
        ModelChecks.parameters(w, layout);
        SplittableRandom rng = new SplittableRandom(seed);
        uniform(w, 0, conv2w, TAPS, rng);
        uniform(w, conv2w, fc1w, channels1 * TAPS, rng);
        uniform(w, fc1w, fc2w, flat, rng);
        uniform(w, fc2w, w.length, hidden, rng);
    }

    private static void uniform(float[] w, int from, int to, int fanIn, SplittableRandom rng) {
        double bound = 1.0 / Math.sqrt(fanIn);
        for (int i = from; i < to; i++) {
            w[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
    }

    /** Per-call buffers: the activations of one example and the gradients flowing back through them. */
    private final class Scratch {
        final float[] image = new float[side * side];
        final float[] col1 = new float[TAPS * side * side];
        final float[] col1t = new float[side * side * TAPS];
        final float[] act1 = new float[channels1 * side * side];
        final float[] pool1 = new float[channels1 * half * half];
        final int[] arg1 = new int[channels1 * half * half];
        final float[] col2 = new float[channels1 * TAPS * half * half];
        final float[] col2t = new float[half * half * channels1 * TAPS];
        final float[] act2 = new float[channels2 * half * half];
        final float[] pool2 = new float[flat];
        final int[] arg2 = new int[flat];
        final float[] hiddenOut = new float[hidden];
        final double[] logits = new double[classes];
        final float[] dHidden = new float[hidden];
        final float[] dPool2 = new float[flat];
        final float[] dCol2t = new float[half * half * channels1 * TAPS];
        final float[] dPool1 = new float[channels1 * half * half];
    }

    /** Runs row r forward, leaving every activation in {@code s} and the logits in {@code s.logits}. */
    private void forward(float[] w, Dataset data, int r, Scratch s) {
        int pixels = side * side;
        for (int j = 0; j < pixels; j++) {
            s.image[j] = data.value(r, j);
        }
        im2col(s.image, 1, side, s.col1, s.col1t);
        convolve(w, 0, conv1b, s.col1, channels1, TAPS, pixels, s.act1);
        maxPool(s.act1, channels1, side, s.pool1, s.arg1);
        im2col(s.pool1, channels1, half, s.col2, s.col2t);
        convolve(w, conv2w, conv2b, s.col2, channels2, channels1 * TAPS, half * half, s.act2);
        maxPool(s.act2, channels2, half, s.pool2, s.arg2);
        for (int j = 0; j < hidden; j++) {
            float a = w[fc1b + j] + dot(w, fc1w + j * flat, s.pool2, flat);
            s.hiddenOut[j] = a > 0 ? a : 0f;
        }
        for (int c = 0; c < classes; c++) {
            s.logits[c] = w[fc2b + c] + dot(w, fc2w + c * hidden, s.hiddenOut, hidden);
        }
    }

    /**
     * The patches of {@code channels} images of side {@code n} (zero padding 2) as {@code col[(c·25+tap)·n² + p]}
     * and its transpose {@code colT[p·(channels·25) + c·25 + tap]}.
     */
    private static void im2col(float[] in, int channels, int n, float[] col, float[] colT) {
        int pixels = n * n;
        int rows = channels * TAPS;
        for (int c = 0; c < channels; c++) {
            int plane = c * pixels;
            for (int ky = 0; ky < KERNEL; ky++) {
                for (int kx = 0; kx < KERNEL; kx++) {
                    int k = c * TAPS + ky * KERNEL + kx;
                    int base = k * pixels;
                    for (int y = 0; y < n; y++) {
                        int iy = y + ky - PAD;
                        boolean rowIn = iy >= 0 && iy < n;
                        for (int x = 0; x < n; x++) {
                            int ix = x + kx - PAD;
                            float v = rowIn && ix >= 0 && ix < n ? in[plane + iy * n + ix] : 0f;
                            int p = y * n + x;
                            col[base + p] = v;
                            colT[p * rows + k] = v;
                        }
                    }
                }
            }
        }
    }

    /**
     * out[o, p] = ReLU(bias[o] + Σₖ weight[o, k]·col[k, p]) as axpy loops over the pixels p, four output
     * channels per pass so each patch value is loaded once for four of them.
     */
    private static void convolve(float[] w, int weights, int bias, float[] col, int outChannels, int rows, int pixels,
                                 float[] out) {
        for (int o = 0; o < outChannels; o++) {
            Arrays.fill(out, o * pixels, (o + 1) * pixels, w[bias + o]);
        }
        int o = 0;
        for (; o + 3 < outChannels; o += 4) {
            int b0 = o * pixels;
            int b1 = b0 + pixels;
            int b2 = b1 + pixels;
            int b3 = b2 + pixels;
            int w0 = weights + o * rows;
            for (int k = 0; k < rows; k++) {
                float a0 = w[w0 + k];
                float a1 = w[w0 + rows + k];
                float a2 = w[w0 + 2 * rows + k];
                float a3 = w[w0 + 3 * rows + k];
                int cb = k * pixels;
                for (int p = 0; p < pixels; p++) {
                    float c = col[cb + p];
                    out[b0 + p] += a0 * c;
                    out[b1 + p] += a1 * c;
                    out[b2 + p] += a2 * c;
                    out[b3 + p] += a3 * c;
                }
            }
        }
        for (; o < outChannels; o++) {
            int ob = o * pixels;
            int wrow = weights + o * rows;
            for (int k = 0; k < rows; k++) {
                axpy(w[wrow + k], col, k * pixels, out, ob, pixels);
            }
        }
        for (int p = 0; p < outChannels * pixels; p++) {
            if (out[p] < 0f) {
                out[p] = 0f;
            }
        }
    }

    /** 2×2 max-pooling of {@code channels} planes of side n; {@code arg} keeps where each maximum came from. */
    private static void maxPool(float[] in, int channels, int n, float[] out, int[] arg) {
        int m = n / 2;
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < m; y++) {
                for (int x = 0; x < m; x++) {
                    int i = c * n * n + 2 * y * n + 2 * x;
                    int best = i;
                    if (in[i + 1] > in[best]) {
                        best = i + 1;
                    }
                    if (in[i + n] > in[best]) {
                        best = i + n;
                    }
                    if (in[i + n + 1] > in[best]) {
                        best = i + n + 1;
                    }
                    int o = c * m * m + y * m + x;
                    out[o] = in[best];
                    arg[o] = best;
                }
            }
        }
    }

    /** Σ w[from + i]·v[i] with four partial sums. */
    private static float dot(float[] w, int from, float[] v, int n) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += w[from + i] * v[i];
            s1 += w[from + i + 1] * v[i + 1];
            s2 += w[from + i + 2] * v[i + 2];
            s3 += w[from + i + 3] * v[i + 3];
        }
        for (; i < n; i++) {
            s0 += w[from + i] * v[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** g[gFrom + i] += a·v[vFrom + i] for i < n. */
    private static void axpy(float a, float[] v, int vFrom, float[] g, int gFrom, int n) {
        for (int i = 0; i < n; i++) {
            g[gFrom + i] += a * v[vFrom + i];
        }
    }

    /** Adds the gradient of scale·loss(row) to g, with dLoss/dlogits in {@code s.logits}. */
    private void backward(float[] w, Scratch s, double scale, float[] g) {
        Arrays.fill(s.dHidden, 0f);
        for (int c = 0; c < classes; c++) {
            float d = (float) (s.logits[c] * scale);
            g[fc2b + c] += d;
            axpy(d, s.hiddenOut, 0, g, fc2w + c * hidden, hidden);
            axpy(d, w, fc2w + c * hidden, s.dHidden, 0, hidden);
        }
        Arrays.fill(s.dPool2, 0f);
        for (int j = 0; j < hidden; j++) {
            float d = s.hiddenOut[j] > 0f ? s.dHidden[j] : 0f;
            if (d != 0f) {
                g[fc1b + j] += d;
                axpy(d, s.pool2, 0, g, fc1w + j * flat, flat);
                axpy(d, w, fc1w + j * flat, s.dPool2, 0, flat);
            }
        }
        int rows2 = channels1 * TAPS;
        int pixels2 = half * half;
        int pooled2 = quarter * quarter;
        Arrays.fill(s.dCol2t, 0f);
        for (int i = 0; i < flat; i++) {
            float d = s.dPool2[i];
            int at = s.arg2[i];
            if (d != 0f && s.act2[at] > 0f) {
                int o = i / pooled2;
                int p = at - o * pixels2;
                g[conv2b + o] += d;
                axpy(d, s.col2t, p * rows2, g, conv2w + o * rows2, rows2);
                axpy(d, w, conv2w + o * rows2, s.dCol2t, p * rows2, rows2);
            }
        }
        col2im(s.dCol2t, channels1, half, s.dPool1);
        int pixels1 = side * side;
        int pooled1 = half * half;
        for (int i = 0; i < channels1 * pooled1; i++) {
            float d = s.dPool1[i];
            int at = s.arg1[i];
            if (d != 0f && s.act1[at] > 0f) {
                int o = i / pooled1;
                int p = at - o * pixels1;
                g[conv1b + o] += d;
                axpy(d, s.col1t, p * TAPS, g, o * TAPS, TAPS);
            }
        }
    }

    /** The gradient with respect to the input planes from the gradient of its transposed patch matrix. */
    private static void col2im(float[] colT, int channels, int n, float[] out) {
        Arrays.fill(out, 0f);
        int rows = channels * TAPS;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                int pb = (y * n + x) * rows;
                for (int c = 0; c < channels; c++) {
                    int plane = c * n * n;
                    for (int ky = 0; ky < KERNEL; ky++) {
                        int iy = y + ky - PAD;
                        if (iy < 0 || iy >= n) {
                            continue;
                        }
                        for (int kx = 0; kx < KERNEL; kx++) {
                            int ix = x + kx - PAD;
                            if (ix >= 0 && ix < n) {
                                out[plane + iy * n + ix] += colT[pb + c * TAPS + ky * KERNEL + kx];
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public double lossAndGradient(float[] w, Dataset data, int[] rows, int count, float[] g) {
        ModelChecks.batch(w, g, layout, data, side * side, count);
        Arrays.fill(g, 0f);
        Scratch s = new Scratch();
        double inv = 1.0 / count;
        double total = 0;
        for (int i = 0; i < count; i++) {
            int r = rows[i];
            forward(w, data, r, s);
            total += Softmax.crossEntropyGradient(s.logits, classes, ModelChecks.classOf(data.label(r), r, classes));
            backward(w, s, inv, g);
        }
        return total * inv;
    }

    @Override
    public double loss(float[] w, Dataset data) {
        return overData(w, data, false);
    }

    @Override
    public double accuracy(float[] w, Dataset data) {
        return overData(w, data, true);
    }

    /** The mean cross-entropy, or the fraction classified correctly (argmax of the logits), over every row. */
    private double overData(float[] w, Dataset data, boolean accuracy) {
        ModelChecks.data(w, layout, data, side * side);
        Scratch s = new Scratch();
        int n = data.rows();
        double total = 0;
        for (int r = 0; r < n; r++) {
            forward(w, data, r, s);
            int label = ModelChecks.classOf(data.label(r), r, classes);
            total += accuracy ? (Softmax.argmax(s.logits, classes) == label ? 1 : 0)
                    : Softmax.crossEntropy(s.logits, classes, label);
        }
        return total / n;
    }

    @Override
    public String toString() {
        return "cnn(" + side + "x" + side + ", conv5x5 " + channels1 + " → pool → conv5x5 " + channels2
                + " → pool → " + hidden + " → " + classes + ")";
    }
}
