package dev.momentumps.worker.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.data.DenseDataset;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The CNN's gradient against central finite differences and against PyTorch's autograd on the network of
 * {@code python/examples/mnist_cnn.py} (the fixture {@code cnn-torch.json} is written by
 * {@code python/tests/cnn_fixture.py}, and {@code test_cnn_fixture.py} checks it is what torch computes).
 */
class CnnTest {

    @Test
    void mnistArchitectureHasTheTorchLayoutAndParameterCount() {
        Cnn cnn = Cnn.mnist(784, 10);
        TensorLayout layout = cnn.layout();
        assertEquals(215_370, layout.numElements(), "mnist_cnn.py's parameter count");
        assertEquals("conv1.weight[16, 1, 5, 5]", layout.tensors().get(0).toString());
        assertEquals("conv2.weight[32, 16, 5, 5]", layout.tensors().get(2).toString());
        assertEquals("fc1.weight[128, 1568]", layout.tensors().get(4).toString());
        assertEquals("fc2.bias[10]", layout.tensors().get(7).toString());
        assertTrue(Models.create("cnn", 784, 10) instanceof Cnn);
    }

    @Test
    void refusesImagesThatAreNotSquareMultiplesOfFour() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Models.create("cnn", 64 * 65, 10));
        assertTrue(e.getMessage().contains("square images"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Models.create("cnn", 36, 10));
        assertThrows(IllegalArgumentException.class, () -> new Cnn(8, 2, 3, 4, 1));
    }

    @Test
    void initialisationIsTorchsDefaultBoundAndSeeded() {
        Cnn cnn = new Cnn(8, 2, 3, 6, 4);
        float[] a = new float[cnn.layout().numElements()];
        float[] b = new float[a.length];
        cnn.initialize(a, 7);
        cnn.initialize(b, 7);
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        double[] bounds = {1 / 5.0, 1 / Math.sqrt(50), 1 / Math.sqrt(12), 1 / Math.sqrt(6)};
        List<TensorLayout.Tensor> ts = cnn.layout().tensors();
        for (int t = 0; t < ts.size(); t++) {
            double bound = bounds[layer(t)];
            double max = 0;
            for (int i = ts.get(t).offset(); i < ts.get(t).offset() + ts.get(t).size(); i++) {
                max = Math.max(max, Math.abs(a[i]));
            }
            assertTrue(max <= bound, ts.get(t) + ": max |w| " + max + " over the bound " + bound);
            if (ts.get(t).size() >= 20) {
                assertTrue(max > 0.8 * bound, ts.get(t) + ": max |w| " + max + " far below the bound " + bound);
            }
        }
    }

    private static int layer(int t) {
        return t < 2 ? 0 : t < 4 ? 1 : t < 6 ? 2 : 3;
    }

    @Test
    void gradientMatchesFiniteDifferencesOnSmallImages() {
        Cnn cnn = new Cnn(8, 2, 3, 6, 4);
        float[] w = new float[cnn.layout().numElements()];
        cnn.initialize(w, 3);
        DenseDataset data = images(4, 8, 4, 11);
        GradientCheck.assertGradientMatches(cnn, w, data, GradientCheck.rows(4), 5);
    }

    /**
     * The buffers a thread reuses from call to call leave no trace: a gradient computed after other minibatches,
     * an evaluation and another thread's calls on the same instance is the same, bit for bit, as the first one.
     */
    @Test
    void reusedBuffersAndSharedInstancesGiveTheSameBits() throws InterruptedException {
        Cnn cnn = new Cnn(12, 3, 5, 7, 4);
        float[] w = new float[cnn.layout().numElements()];
        cnn.initialize(w, 21);
        DenseDataset data = images(6, 12, 4, 17);
        float[] first = new float[w.length];
        double loss = cnn.lossAndGradient(w, data, new int[] {0, 1, 2}, 3, first);
        float[] other = new float[w.length];
        cnn.lossAndGradient(w, data, new int[] {3, 4, 5}, 3, other);
        cnn.loss(w, data);
        float[] again = new float[w.length];
        assertEquals(loss, cnn.lossAndGradient(w, data, new int[] {0, 1, 2}, 3, again));
        assertArrayEquals(first, again, "the same minibatch after other calls");
        float[][] byThread = new float[4][w.length];
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < byThread.length; t++) {
            float[] mine = byThread[t];
            threads.add(new Thread(() -> {
                for (int k = 0; k < 20; k++) {
                    cnn.lossAndGradient(w, data, new int[] {k % 6, (k + 1) % 6}, 2, mine);
                    cnn.lossAndGradient(w, data, new int[] {0, 1, 2}, 3, mine);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        for (float[] g : byThread) {
            assertArrayEquals(first, g, "the same minibatch on a thread sharing the instance");
        }
    }

    /**
     * At full size a single weight's finite difference drowns in float32 rounding (the loss carries ~1e-6 of
     * relative error), so each tensor is checked along its own gradient slice u = g_t/|g_t|: the difference
     * quotient (f(w + hu) − f(w − hu))/2h must equal the analytic |g_t|.
     */
    @Test
    void fullSizeGradientMatchesFiniteDifferencesAlongEachTensorsGradient() {
        Cnn cnn = Cnn.mnist(784, 10);
        float[] w = new float[cnn.layout().numElements()];
        cnn.initialize(w, 5);
        DenseDataset data = images(3, 28, 10, 13);
        int[] rows = {0, 1, 2};
        float[] g = new float[w.length];
        float[] scratch = new float[w.length];
        cnn.lossAndGradient(w, data, rows, 3, g);
        float[] moved = new float[w.length];
        for (TensorLayout.Tensor t : cnn.layout().tensors()) {
            double norm = 0;
            for (int i = t.offset(); i < t.offset() + t.size(); i++) {
                norm += (double) g[i] * g[i];
            }
            norm = Math.sqrt(norm);
            assertTrue(norm > 1e-3, t.name() + " has a gradient: " + norm);
            double h = 1e-3;
            double[] f = new double[2];
            for (int side = 0; side < 2; side++) {
                System.arraycopy(w, 0, moved, 0, w.length);
                double step = side == 0 ? h / norm : -h / norm;
                for (int i = t.offset(); i < t.offset() + t.size(); i++) {
                    moved[i] = (float) (w[i] + step * g[i]);
                }
                f[side] = cnn.lossAndGradient(moved, data, rows, 3, scratch);
            }
            double numeric = (f[0] - f[1]) / (2 * h);
            assertEquals(norm, numeric, 1e-2 * norm + 1e-4, "directional derivative along " + t.name());
        }
    }

    @Test
    void lossAndGradientMatchTorch() throws IOException {
        String json;
        try (InputStream in = CnnTest.class.getResourceAsStream("cnn-torch.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int side = (int) numbers(json, "side")[0];
        double[] channels = numbers(json, "channels");
        Cnn cnn = new Cnn(side, (int) channels[0], (int) channels[1], (int) numbers(json, "hidden")[0],
                (int) numbers(json, "classes")[0]);
        double[] labels = numbers(json, "labels");
        double[] images = numbers(json, "images");
        float[] w = floats(numbers(json, "weights"));
        double[] expected = numbers(json, "gradient");
        assertEquals(cnn.layout().numElements(), w.length, "fixture weights fit the layout");
        int n = labels.length;
        float[] y = new float[n];
        int[] rows = new int[n];
        for (int r = 0; r < n; r++) {
            y[r] = (float) labels[r];
            rows[r] = r;
        }
        DenseDataset data = new DenseDataset(floats(images), y, side * side);
        float[] g = new float[w.length];
        double loss = cnn.lossAndGradient(w, data, rows, n, g);
        assertEquals(numbers(json, "loss")[0], loss, 1e-5, "loss");
        assertEquals(numbers(json, "loss")[0], cnn.loss(w, data), 1e-5, "loss over the data set");
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < g.length; i++) {
            worst = Math.max(worst, Math.abs(g[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        assertTrue(scale > 1e-2, "the fixture's gradient is not trivially small: " + scale);
        assertTrue(worst <= 1e-5 * Math.max(1, scale), "largest difference from torch " + worst);
    }

    /** n random images of side s with pixels in [0, 1] (a third of them 0) and labels below k. */
    private static DenseDataset images(int n, int s, int k, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n * s * s];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextInt(3) == 0 ? 0f : (float) rng.nextDouble();
        }
        float[] y = new float[n];
        for (int r = 0; r < n; r++) {
            y[r] = rng.nextInt(k);
        }
        return new DenseDataset(x, y, s * s);
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /** The number or array of numbers under {@code "key"} in the fixture. */
    private static double[] numbers(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": (\\[[^\\]]*\\]|[-0-9.eE+]+)").matcher(json);
        assertTrue(m.find(), "fixture has " + key);
        String body = m.group(1).replace("[", "").replace("]", "");
        List<Double> out = new ArrayList<>();
        for (String part : body.split(",")) {
            if (!part.isBlank()) {
                out.add(Double.parseDouble(part.strip()));
            }
        }
        double[] v = new double[out.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = out.get(i);
        }
        return v;
    }
}
