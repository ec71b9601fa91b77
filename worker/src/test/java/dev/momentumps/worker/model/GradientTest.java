package dev.momentumps.worker.model;

import static dev.momentumps.worker.model.GradientCheck.assertGradientMatches;
import static dev.momentumps.worker.model.GradientCheck.randomDense;
import static dev.momentumps.worker.model.GradientCheck.randomParameters;
import static dev.momentumps.worker.model.GradientCheck.rows;
import static dev.momentumps.worker.model.GradientCheck.toSparse;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.momentumps.worker.data.Dataset;
import dev.momentumps.worker.data.DenseDataset;
import org.junit.jupiter.api.Test;

/** Every model's analytic gradient against central finite differences, dense and sparse. */
class GradientTest {

    private static final int N = 7;
    private static final int D = 5;

    /** Checks on dense data and on the same data stored sparsely, and that both give the same gradient. */
    private static void checkDenseAndSparse(Model model, int classes, double scale) {
        DenseDataset dense = randomDense(N, D, classes, 17);
        float[] w = randomParameters(model, scale, 5);
        assertGradientMatches(model, w, dense, rows(N), N + 1);
        Dataset sparse = toSparse(dense);
        assertGradientMatches(model, w, sparse, rows(N), N + 1);
        float[] gd = new float[w.length];
        float[] gs = new float[w.length];
        double ld = model.lossAndGradient(w, dense, rows(N), N + 1, gd);
        double ls = model.lossAndGradient(w, sparse, rows(N), N + 1, gs);
        assertEquals(ld, ls, 1e-6 * Math.abs(ld));
        assertArrayEquals(gd, gs, 1e-5f);
        assertEquals(model.loss(w, dense), model.loss(w, sparse), 1e-6 * Math.abs(ld));
    }

    @Test
    void linearRegression() {
        checkDenseAndSparse(new LinearRegression(D), 1, 0.5);
    }

    @Test
    void logisticRegression() {
        DenseDataset bin = randomDense(N, D, 2, 17);
        Model m = new LogisticRegression(D);
        checkDenseAndSparse(m, 2, 0.7);
        float[] large = randomParameters(m, 5, 9);
        assertGradientMatches(m, large, bin, rows(N), N);
    }

    @Test
    void softmaxRegression() {
        checkDenseAndSparse(new SoftmaxRegression(D, 3), 3, 0.5);
    }

    @Test
    void mlpTanhClassifier() {
        checkDenseAndSparse(new Mlp(D, 4, 3, Activation.TANH), 3, 0.6);
    }

    @Test
    void mlpReluClassifier() {
        checkDenseAndSparse(new Mlp(D, 4, 3, Activation.RELU), 3, 0.6);
    }

    @Test
    void mlpRegression() {
        checkDenseAndSparse(new Mlp(D, 4, 1, Activation.TANH), 1, 0.6);
    }

    @Test
    void quadratic() {
        QuadraticModel q = QuadraticModel.geometric(6, 0.5, 50);
        float[] w = randomParameters(q, 1, 3);
        assertGradientMatches(q, w, DenseDataset.featureless(2), rows(1), 1);
    }

    @Test
    void lossOfTheBatchMatchesLossOfTheWholeData() {
        DenseDataset d = randomDense(N, D, 3, 4);
        for (Model m : new Model[] {new LinearRegression(D), new SoftmaxRegression(D, 3),
                new Mlp(D, 3, 3, Activation.RELU)}) {
            float[] w = randomParameters(m, 0.5, 2);
            int[] all = {0, 1, 2, 3, 4, 5, 6};
            assertEquals(m.loss(w, d), m.lossAndGradient(w, d, all, N, new float[w.length]), 1e-9);
        }
    }
}
