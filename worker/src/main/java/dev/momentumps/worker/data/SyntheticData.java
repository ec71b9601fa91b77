package dev.momentumps.worker.data;

/**
 * A generated dataset and the parameters that generated it.
 *
 * @param data  the examples
 * @param truth for the linear generators the true {@code weight[1,d]} then {@code bias[1]} (the layout of
 *              the linear and logistic models); for Gaussian blobs the class centres, row-major {@code k×d}
 */
public record SyntheticData(DenseDataset data, float[] truth) {
}
