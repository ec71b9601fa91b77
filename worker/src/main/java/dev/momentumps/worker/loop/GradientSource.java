package dev.momentumps.worker.loop;

import dev.momentumps.server.core.TensorLayout;

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

    /** The number of examples behind the last gradient. */
    int lastBatchSize();
}
