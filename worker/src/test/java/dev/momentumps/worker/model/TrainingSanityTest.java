package dev.momentumps.worker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.worker.data.CsvLoader;
import dev.momentumps.worker.data.Dataset;
import dev.momentumps.worker.data.LibSvmLoader;
import dev.momentumps.worker.data.LineRange;
import dev.momentumps.worker.data.MinibatchSampler;
import dev.momentumps.worker.data.SharedData;
import dev.momentumps.worker.data.SparseDataset;
import dev.momentumps.worker.data.Standardizer;
import dev.momentumps.worker.data.Synthetic;
import dev.momentumps.worker.data.SyntheticData;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Plain minibatch SGD with each model reaches sensible quality: models, data and sampler together. */
class TrainingSanityTest {

    /** Runs {@code epochs} epochs of w ← w − lr·g with shuffled minibatches; returns the trained weights. */
    static float[] sgd(Model model, Dataset data, int batch, double lr, int epochs, long seed) {
        float[] w = new float[model.layout().numElements()];
        model.initialize(w, seed);
        float[] g = new float[w.length];
        int[] rows = new int[batch];
        MinibatchSampler sampler = MinibatchSampler.shuffled(data.rows(), batch, seed);
        for (int step = 0; step < sampler.stepsPerEpoch() * epochs; step++) {
            int count = sampler.next(rows);
            model.lossAndGradient(w, data, rows, count, g);
            for (int i = 0; i < w.length; i++) {
                w[i] -= (float) (lr * g[i]);
            }
        }
        return w;
    }

    @Test
    void logisticRegressionOnA9aReachesTestAccuracy84() {
        Path file = SharedData.file("a9a.libsvm");
        SparseDataset train = new LibSvmLoader().binaryLabels(true).lines(LineRange.first(32561)).load(file);
        SparseDataset test = new LibSvmLoader().binaryLabels(true).features(train.features())
                .lines(LineRange.from(32561)).load(file);
        LogisticRegression model = new LogisticRegression(train.features());
        float[] w = sgd(model, train, 32, 0.05, 3, 1);
        double accuracy = model.accuracy(w, test);
        assertTrue(accuracy >= 0.84, "a9a test accuracy " + accuracy);
        assertTrue(model.loss(w, test) < 0.36, "a9a test log-loss " + model.loss(w, test));
    }

    @Test
    void linearRegressionOnStandardisedAirfoilReducesTheLoss() {
        Dataset raw = new CsvLoader().load(SharedData.file("airfoil_self_noise.dat")).slice(0, 1500);
        Dataset data = Standardizer.fitWithLabel(raw).apply(raw);
        LinearRegression model = new LinearRegression(5);
        float[] w0 = new float[6];
        model.initialize(w0, 0);
        double before = model.loss(w0, data);
        assertEquals(0.5, before, 1e-3, "zero weights on a standardised label: ½·var = ½");
        double after = model.loss(sgd(model, data, 10, 0.01, 2, 3), data);
        assertTrue(after < 0.8 * before, "loss " + before + " -> " + after);
        assertTrue(after < 0.27, "D2L reaches about 0.25; got " + after);
    }

    @Test
    void linearRegressionRecoversTheTrueWeights() {
        SyntheticData s = Synthetic.linearRegression(2000, 4, 0.01, 5);
        float[] w = sgd(new LinearRegression(4), s.data(), 16, 0.05, 5, 2);
        for (int i = 0; i < w.length; i++) {
            assertEquals(s.truth()[i], w[i], 0.02, "parameter " + i);
        }
    }

    @Test
    void softmaxAndMlpSeparateBlobs() {
        Dataset blobs = Synthetic.blobs(1500, 4, 5, 3, 9).data();
        SoftmaxRegression softmax = new SoftmaxRegression(4, 5);
        assertTrue(softmax.accuracy(sgd(softmax, blobs, 32, 0.1, 5, 1), blobs) > 0.9);
        Mlp mlp = new Mlp(4, 16, 5, Activation.RELU);
        assertTrue(mlp.accuracy(sgd(mlp, blobs, 32, 0.1, 5, 1), blobs) > 0.9);
    }

    @Test
    void softmaxOnOptdigits() {
        Dataset tra = new CsvLoader().load(SharedData.file("optdigits.tra"));
        Dataset tes = new CsvLoader().load(SharedData.file("optdigits.tes"));
        Standardizer s = Standardizer.fit(tra);
        SoftmaxRegression model = new SoftmaxRegression(64, 10);
        float[] w = sgd(model, s.apply(tra), 32, 0.05, 5, 4);
        double accuracy = model.accuracy(w, s.apply(tes));
        assertTrue(accuracy > 0.9, "optdigits test accuracy " + accuracy);
    }

    @Test
    void gradientDescentOnTheQuadraticConverges() {
        QuadraticModel q = new QuadraticModel(new double[] {0.1, 2}, new float[] {-5, -2});
        float[] x = new float[2];
        q.initialize(x, 0);
        float[] g = new float[2];
        for (int t = 0; t < 200; t++) {
            q.lossAndGradient(x, null, null, 0, g);
            x[0] -= 0.4f * g[0];
            x[1] -= 0.4f * g[1];
        }
        assertTrue(q.loss(x, null) < 1e-5, "f = " + q.loss(x, null));
    }
}
