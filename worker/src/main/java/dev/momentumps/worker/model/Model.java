package dev.momentumps.worker.model;

import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.data.Dataset;

/**
 * A model with an analytic gradient over a flat parameter vector laid out by {@link #layout()}.
 * Implementations are stateless apart from their hyper-parameters, so one instance serves many threads.
 */
public interface Model {

    /** The model's tensors, e.g. {@code weight[1,5]} and {@code bias[1]}. */
    TensorLayout layout();

    /** Writes the initial weights into {@code w} (length {@code layout().numElements()}), seeded. */
    void initialize(float[] w, long seed);

    /**
     * The mean loss over the minibatch {@code rows[0..count)} of {@code data}, and its gradient with
     * respect to {@code w} written into {@code g} (overwritten, not accumulated).
     */
    double lossAndGradient(float[] w, Dataset data, int[] rows, int count, float[] g);

    /**
     * The rows (flat elements of {@code w}) whose gradient over the minibatch {@code rows[0..count)} can be
     * nonzero, in increasing order in {@code out}; returns their count, or -1 when the gradient is dense.
     * {@code mark} (all false, one per element) is scratch and is all false again on return.
     */
    default int touchedRows(Dataset data, int[] rows, int count, boolean[] mark, int[] out) {
        return -1;
    }

    /** The mean loss over every row of {@code data}. */
    double loss(float[] w, Dataset data);

    /** The fraction of rows classified correctly, or NaN for a regression model. */
    default double accuracy(float[] w, Dataset data) {
        return Double.NaN;
    }
}
