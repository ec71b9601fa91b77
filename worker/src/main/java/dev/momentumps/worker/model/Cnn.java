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
 * <p>The convolutions run as im2col: the patch rows {@code col[c·25 + tap][pixel]} turn the forward pass into
 * loops over the pixels that add four patch rows at a time into every output channel's row, and their
 * transpose {@code colT[pixel][c·25 + tap]} turns the backward pass into axpy loops over the patch; only the
 * positions a max-pool passed on (a quarter) carry a gradient back, so the backward pass visits only them.
 * Max-pooling passes the first maximum of each window back, as PyTorch does. Activations, patches, the
 * weights the backward pass reads and the gradient it accumulates over a minibatch are arrays of rows, so
 * every hot loop indexes its arrays alike from 0 and the JIT vectorizes it (a loop reading and writing one
 * flat array at two offsets is not vectorized, since the JIT cannot rule out that they overlap). The buffers
 * belong to the calling thread and are reused from call to call, so one instance is safe to share between
 * threads and allocates nothing per call.
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

    /**
     * One thread's buffers, reused from call to call: the activations of one example and the gradients flowing
     * back through them, the weights the backward pass reads as rows and the gradient accumulated as rows over
     * a minibatch. Every array the hot loops touch together is indexed alike from 0, which is what lets the JIT
     * turn them into vector instructions.
     */
    private final class Scratch {
        final float[][] image = new float[1][side * side];
        final float[][] col1 = new float[TAPS][side * side];
        final float[][] col1t = new float[side * side][TAPS];
        final float[][] act1 = new float[channels1][side * side];
        final float[][] pool1 = new float[channels1][half * half];
        final int[][] arg1 = new int[channels1][half * half];
        final float[][] col2 = new float[channels1 * TAPS][half * half];
        final float[][] col2t = new float[half * half][channels1 * TAPS];
        final float[][] act2 = new float[channels2][half * half];
        final float[][] pool2 = new float[channels2][quarter * quarter];
        final int[][] arg2 = new int[channels2][quarter * quarter];
        final float[] flatIn = new float[flat];
        final float[] hiddenOut = new float[hidden];
        final double[] logits = new double[classes];
        final float[] dHidden = new float[hidden];
        final float[] dFlat = new float[flat];
        final float[][] dCol2t = new float[half * half][channels1 * TAPS];
        final float[][] dPool1 = new float[channels1][half * half];
        final float[][] conv1W = new float[channels1][TAPS];
        final float[][] conv2W = new float[channels2][channels1 * TAPS];
        final float[][] fc1W = new float[hidden][flat];
        final float[][] fc1WT = new float[flat][hidden];
        final float[][] fc2W = new float[classes][hidden];
        final float[][] conv1G = new float[channels1][TAPS];
        final float[][] conv2G = new float[channels2][channels1 * TAPS];
        final float[][] fc1G = new float[hidden][flat];
        final float[][] fc2G = new float[classes][hidden];
    }

    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** Runs row r forward, leaving every activation in {@code s} and the logits in {@code s.logits}. */
    private void forward(float[] w, Dataset data, int r, Scratch s, boolean training) {
        int pixels = side * side;
        float[] image = s.image[0];
        for (int j = 0; j < pixels; j++) {
            image[j] = data.value(r, j);
        }
        im2col(s.image, side, s.col1);
        convolve(w, 0, conv1b, s.col1, s.act1);
        maxPool(s.act1, side, s.pool1, s.arg1);
        im2col(s.pool1, half, s.col2);
        convolve(w, conv2w, conv2b, s.col2, s.act2);
        maxPool(s.act2, half, s.pool2, s.arg2);
        int pooled = quarter * quarter;
        for (int c = 0; c < channels2; c++) {
            System.arraycopy(s.pool2[c], 0, s.flatIn, c * pooled, pooled);
        }
        System.arraycopy(w, fc1b, s.hiddenOut, 0, hidden);
        for (int i = 0; i < flat; i++) {
            float v = s.flatIn[i];
            if (v != 0f) {
                axpy(v, s.fc1WT[i], s.hiddenOut, hidden);
            }
        }
        for (int j = 0; j < hidden; j++) {
            if (s.hiddenOut[j] < 0f) {
                s.hiddenOut[j] = 0f;
            }
        }
        for (int c = 0; c < classes; c++) {
            s.logits[c] = w[fc2b + c] + dot(w, fc2w + c * hidden, s.hiddenOut, hidden);
        }
        if (training) {
            transpose(s.col1, s.col1t);
            transpose(s.col2, s.col2t);
        }
    }

    /**
     * The patches of the planes {@code in} of side {@code n} (zero padding 2) as rows:
     * {@code col[c·25 + tap][pixel]}.
     */
    private static void im2col(float[][] in, int n, float[][] col) {
        for (int c = 0; c < in.length; c++) {
            float[] plane = in[c];
            for (int ky = 0; ky < KERNEL; ky++) {
                for (int kx = 0; kx < KERNEL; kx++) {
                    float[] row = col[c * TAPS + ky * KERNEL + kx];
                    int x0 = Math.max(0, PAD - kx);
                    int x1 = Math.min(n, n + PAD - kx);
                    for (int y = 0; y < n; y++) {
                        int iy = y + ky - PAD;
                        int p = y * n;
                        if (iy < 0 || iy >= n) {
                            Arrays.fill(row, p, p + n, 0f);
                            continue;
                        }
                        Arrays.fill(row, p, p + x0, 0f);
                        System.arraycopy(plane, iy * n + x0 + kx - PAD, row, p + x0, x1 - x0);
                        Arrays.fill(row, p + x1, p + n, 0f);
                    }
                }
            }
        }
    }

    /** {@code t[j][i] = m[i][j]}. */
    private static void transpose(float[][] m, float[][] t) {
        int rows = m.length;
        int cols = m[0].length;
        for (int i0 = 0; i0 < rows; i0 += 16) {
            int i1 = Math.min(rows, i0 + 16);
            for (int j = 0; j < cols; j++) {
                float[] tj = t[j];
                for (int i = i0; i < i1; i++) {
                    tj[i] = m[i][j];
                }
            }
        }
    }

    /**
     * out[o][p] = ReLU(bias[o] + Σₖ weight[o, k]·col[k][p]): four patch rows at a time, each added into every
     * output channel's row (which stays in the cache while the patch rows stream by once).
     */
    private static void convolve(float[] w, int weights, int bias, float[][] col, float[][] out) {
        int rows = col.length;
        int outChannels = out.length;
        int pixels = out[0].length;
        for (int o = 0; o < outChannels; o++) {
            Arrays.fill(out[o], w[bias + o]);
        }
        int k = 0;
        for (; k + 3 < rows; k += 4) {
            float[] c0 = col[k];
            float[] c1 = col[k + 1];
            float[] c2 = col[k + 2];
            float[] c3 = col[k + 3];
            for (int o = 0; o < outChannels; o++) {
                int wk = weights + o * rows + k;
                float a0 = w[wk];
                float a1 = w[wk + 1];
                float a2 = w[wk + 2];
                float a3 = w[wk + 3];
                float[] y = out[o];
                for (int p = 0; p < pixels; p++) {
                    y[p] += (a0 * c0[p] + a1 * c1[p]) + (a2 * c2[p] + a3 * c3[p]);
                }
            }
        }
        for (; k < rows; k++) {
            float[] c0 = col[k];
            for (int o = 0; o < outChannels; o++) {
                axpy(w[weights + o * rows + k], c0, out[o], pixels);
            }
        }
        for (int o = 0; o < outChannels; o++) {
            float[] y = out[o];
            for (int p = 0; p < pixels; p++) {
                if (y[p] < 0f) {
                    y[p] = 0f;
                }
            }
        }
    }

    /** 2×2 max-pooling of planes of side n; {@code arg} keeps where in its plane each maximum came from. */
    private static void maxPool(float[][] in, int n, float[][] out, int[][] arg) {
        int m = n / 2;
        for (int c = 0; c < in.length; c++) {
            float[] plane = in[c];
            float[] o = out[c];
            int[] a = arg[c];
            for (int y = 0; y < m; y++) {
                for (int x = 0; x < m; x++) {
                    int i = 2 * y * n + 2 * x;
                    int best = i;
                    if (plane[i + 1] > plane[best]) {
                        best = i + 1;
                    }
                    if (plane[i + n] > plane[best]) {
                        best = i + n;
                    }
                    if (plane[i + n + 1] > plane[best]) {
                        best = i + n + 1;
                    }
                    o[y * m + x] = plane[best];
                    a[y * m + x] = best;
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

    /** y[i] += a·x[i] for i < n (both from 0, so the JIT vectorizes it whether or not x and y alias). */
    private static void axpy(float a, float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            y[i] += a * x[i];
        }
    }

    /** Copies fc1's weights transposed, {@code fc1WT[i][j] = fc1.weight[j, i]}, for the forward pass. */
    private void transposeFc1(float[] w, Scratch s) {
        for (int j0 = 0; j0 < hidden; j0 += 16) {
            int j1 = Math.min(hidden, j0 + 16);
            for (int i = 0; i < flat; i++) {
                float[] t = s.fc1WT[i];
                for (int j = j0; j < j1; j++) {
                    t[j] = w[fc1w + j * flat + i];
                }
            }
        }
    }

    /** Copies the weights the backward pass reads as rows and clears the gradient rows. */
    private void startBatch(float[] w, Scratch s) {
        transposeFc1(w, s);
        toRows(w, 0, s.conv1W);
        toRows(w, conv2w, s.conv2W);
        toRows(w, fc1w, s.fc1W);
        toRows(w, fc2w, s.fc2W);
        for (float[][] g : new float[][][] {s.conv1G, s.conv2G, s.fc1G, s.fc2G}) {
            for (float[] row : g) {
                Arrays.fill(row, 0f);
            }
        }
    }

    private static void toRows(float[] w, int from, float[][] rows) {
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(w, from + i * rows[i].length, rows[i], 0, rows[i].length);
        }
    }

    private static void fromRows(float[][] rows, float[] g, int from) {
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, g, from + i * rows[i].length, rows[i].length);
        }
    }

    /** Adds the gradient of scale·loss(row) to the gradient rows and g's biases, with dLoss/dlogits in {@code s.logits}. */
    private void backward(Scratch s, double scale, float[] g) {
        Arrays.fill(s.dHidden, 0f);
        for (int c = 0; c < classes; c++) {
            float d = (float) (s.logits[c] * scale);
            g[fc2b + c] += d;
            axpy(d, s.hiddenOut, s.fc2G[c], hidden);
            axpy(d, s.fc2W[c], s.dHidden, hidden);
        }
        Arrays.fill(s.dFlat, 0f);
        for (int j = 0; j < hidden; j++) {
            float d = s.hiddenOut[j] > 0f ? s.dHidden[j] : 0f;
            if (d != 0f) {
                g[fc1b + j] += d;
                axpy(d, s.flatIn, s.fc1G[j], flat);
                axpy(d, s.fc1W[j], s.dFlat, flat);
            }
        }
        int rows2 = channels1 * TAPS;
        int pooled2 = quarter * quarter;
        for (float[] row : s.dCol2t) {
            Arrays.fill(row, 0f);
        }
        for (int o = 0; o < channels2; o++) {
            float[] act = s.act2[o];
            int[] arg = s.arg2[o];
            for (int i = 0; i < pooled2; i++) {
                float d = s.dFlat[o * pooled2 + i];
                int p = arg[i];
                if (d != 0f && act[p] > 0f) {
                    g[conv2b + o] += d;
                    axpy(d, s.col2t[p], s.conv2G[o], rows2);
                    axpy(d, s.conv2W[o], s.dCol2t[p], rows2);
                }
            }
        }
        col2im(s.dCol2t, half, s.dPool1);
        int pooled1 = half * half;
        for (int o = 0; o < channels1; o++) {
            float[] act = s.act1[o];
            int[] arg = s.arg1[o];
            float[] dPool = s.dPool1[o];
            for (int i = 0; i < pooled1; i++) {
                float d = dPool[i];
                int p = arg[i];
                if (d != 0f && act[p] > 0f) {
                    g[conv1b + o] += d;
                    axpy(d, s.col1t[p], s.conv1G[o], TAPS);
                }
            }
        }
    }

    /** The gradient with respect to the input planes from the gradient of their transposed patch rows. */
    private static void col2im(float[][] colT, int n, float[][] out) {
        for (float[] plane : out) {
            Arrays.fill(plane, 0f);
        }
        for (int y = 0; y < n; y++) {
            int ky0 = Math.max(0, PAD - y);
            int ky1 = Math.min(KERNEL, n + PAD - y);
            for (int x = 0; x < n; x++) {
                int kx0 = Math.max(0, PAD - x);
                int kx1 = Math.min(KERNEL, n + PAD - x);
                float[] patch = colT[y * n + x];
                for (int c = 0; c < out.length; c++) {
                    float[] plane = out[c];
                    for (int ky = ky0; ky < ky1; ky++) {
                        int at = (y + ky - PAD) * n + x - PAD;
                        int tap = c * TAPS + ky * KERNEL;
                        for (int kx = kx0; kx < kx1; kx++) {
                            plane[at + kx] += patch[tap + kx];
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
        Scratch s = scratch.get();
        startBatch(w, s);
        double inv = 1.0 / count;
        double total = 0;
        for (int i = 0; i < count; i++) {
            int r = rows[i];
            forward(w, data, r, s, true);
            total += Softmax.crossEntropyGradient(s.logits, classes, ModelChecks.classOf(data.label(r), r, classes));
            backward(s, inv, g);
        }
        fromRows(s.conv1G, g, 0);
        fromRows(s.conv2G, g, conv2w);
        fromRows(s.fc1G, g, fc1w);
        fromRows(s.fc2G, g, fc2w);
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
        Scratch s = scratch.get();
        transposeFc1(w, s);
        int n = data.rows();
        double total = 0;
        for (int r = 0; r < n; r++) {
            forward(w, data, r, s, false);
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
