package dev.momentumps.worker.loop;

import dev.momentumps.wire.TensorLayout;

/**
 * What a worker computes: the model's layout, its initial weights, and one minibatch gradient after
 * another. The real training loop and the simulator both draw gradients from it.
 */
public interface GradientSource {

    TensorLayout layout();

    /** Writes the initial weights (the same on every worker for a seed). */
    void initialWeights(float[] w);

    /** The next minibatch's mean loss at {@code w}, with its gradient written into {@code g}. */
    double next(float[] w, float[] g);

    /**
     * The rows (flat elements) the last gradient can be nonzero in, written to {@code out} in increasing
     * order; returns their count, or -1 when the gradient is dense (or the source does not know).
     * {@code out} has room for every element of the model.
     */
    default int touchedRows(int[] out) {
        return -1;
    }

    /** The number of examples behind the last gradient. */
    int lastBatchSize();

    /**
     * Minibatch gradients behind one {@link #next} (a worker that takes H local steps per push: H), so a
     * simulator charges H compute times for it.
     */
    default int gradientsPerNext() {
        return 1;
    }
}
