package dev.momentumps.worker.client;

import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.TensorLayout;

/**
 * A client that passes every call to the one it wraps; decorators extend it and override only what they
 * change (as Guava's {@code Forwarding*} classes do).
 */
public abstract class ForwardingParameterClient implements ParameterClient {
    protected final ParameterClient inner;

    protected ForwardingParameterClient(ParameterClient inner) {
        this.inner = inner;
    }

    @Override
    public Registration register(int rank, String name) {
        return inner.register(rank, name);
    }

    @Override
    public boolean initialize(TensorLayout layout, float[] weights) {
        return inner.initialize(layout, weights);
    }

    @Override
    public long pull(float[] out) {
        return inner.pull(out);
    }

    @Override
    public PushResult push(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                           float[] weightsOut) {
        return inner.push(baseVersion, sequence, gradient, loss, batchSize, weightsOut);
    }

    @Override
    public PushResult pushSparse(long baseVersion, long sequence, int numElements, int[] rows, float[] values, int n,
                                 boolean half, double loss, int batchSize, float[] weightsOut) {
        return inner.pushSparse(baseVersion, sequence, numElements, rows, values, n, half, loss, batchSize,
                weightsOut);
    }

    @Override
    public PushResult pushHalf(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                               float[] weightsOut) {
        return inner.pushHalf(baseVersion, sequence, gradient, loss, batchSize, weightsOut);
    }

    @Override
    public ServerStatus status() {
        return inner.status();
    }

    @Override
    public void deregister() {
        inner.deregister();
    }

    @Override
    public void close() {
        inner.close();
    }
}
