package dev.momentumps.wire;

import dev.momentumps.wire.codec.Float16;

/**
 * How a worker talks to the parameter server. The training loop sees only this interface, so the same loop
 * runs over gRPC (the worker's {@code GrpcParameterClient}) or in the server's own process (the server's {@code InProcessParameterClient}).
 * One client serves one worker; calls are not concurrent.
 */
public interface ParameterClient extends AutoCloseable {

    /** What the server said at registration. */
    record Registration(int workerId, String mode, String updateRule, int stalenessBound, long version) {
    }

    /** What the server said of a push. */
    record PushResult(long version, long staleness, boolean applied) {
    }

    /** Joins the cluster as the worker of this rank. */
    Registration register(int rank, String name);

    /**
     * Offers the model's layout and initial weights; the first offer wins. @return true if this call
     * initialised the model, false if it already was (with the same layout)
     */
    boolean initialize(TensorLayout layout, float[] weights);

    /** Copies the current weights into {@code out}; returns their version. */
    long pull(float[] out);

    /**
     * Pushes a gradient computed on the weights of {@code baseVersion}. When {@code weightsOut} is not null
     * the fresh weights come back in the same round trip and the result's version is theirs.
     *
     * @param sequence this worker's count of its pushes, from 1
     */
    PushResult push(long baseVersion, long sequence, float[] gradient, double loss, int batchSize, float[] weightsOut);

    /**
     * Pushes a sparse gradient: {@code values[j]} for row {@code rows[j]}, j &lt; n (rows strictly
     * increasing), zero for every other of the model's {@code numElements} rows. With {@code half} the
     * values travel as IEEE float16 (the server sees them rounded to nearest even). Otherwise as
     * {@link #push}. This default scatters into a dense gradient (for clients without a sparse path).
     */
    default PushResult pushSparse(long baseVersion, long sequence, int numElements, int[] rows, float[] values,
                                  int n, boolean half, double loss, int batchSize, float[] weightsOut) {
        float[] dense = new float[numElements];
        for (int j = 0; j < n; j++) {
            dense[rows[j]] = half ? Float16.roundSaturating(values[j]) : values[j];
        }
        return push(baseVersion, sequence, dense, loss, batchSize, weightsOut);
    }

    /**
     * As {@link #push}, the gradient's values travelling as IEEE float16 when the client can (the server
     * sees them rounded to nearest even either way). This default rounds and pushes float32.
     */
    default PushResult pushHalf(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                                float[] weightsOut) {
        float[] rounded = new float[gradient.length];
        for (int i = 0; i < rounded.length; i++) {
            rounded[i] = Float16.roundSaturating(gradient[i]);
        }
        return push(baseVersion, sequence, rounded, loss, batchSize, weightsOut);
    }

    ServerStatus status();

    /** Leaves the cluster; synchronous rounds stop waiting for this worker. */
    void deregister();

    @Override
    void close();
}
