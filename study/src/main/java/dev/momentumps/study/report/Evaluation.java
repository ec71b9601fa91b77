package dev.momentumps.study.report;

import dev.momentumps.worker.task.Task;

/**
 * The loss over the whole training set and over the test split (NaN without one) and the test accuracy (NaN
 * without a test split) at a server version, {@code seconds} into the run.
 */
public record Evaluation(long version, double seconds, double trainLoss, double testLoss, double testAccuracy) {

    /** Evaluates {@code task}'s model at weights {@code w} (the weights of {@code version}). */
    public static Evaluation of(Task task, long version, double seconds, float[] w) {
        double testLoss = task.test() == null ? Double.NaN : task.model().loss(w, task.test());
        double accuracy = task.test() == null ? Double.NaN : task.model().accuracy(w, task.test());
        return new Evaluation(version, seconds, task.model().loss(w, task.train()), testLoss, accuracy);
    }

    /** Whether the training loss is NaN or infinite: the run has diverged. */
    public boolean diverged() {
        return !Double.isFinite(trainLoss);
    }
}
