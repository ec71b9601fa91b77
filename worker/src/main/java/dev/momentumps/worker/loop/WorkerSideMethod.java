package dev.momentumps.worker.loop;

import dev.momentumps.wire.TensorLayout;

/**
 * What the worker-side methods share: they wrap the worker's {@link GradientSource}, keep state of their
 * own between pushes and send something derived from its minibatch gradients (a momentum-corrected
 * gradient, a displacement after local steps, the worker's own weights). Dense: they report no touched rows.
 */
abstract class WorkerSideMethod implements GradientSource {
    protected final GradientSource inner;
    protected final int n;
    private int examples;

    WorkerSideMethod(GradientSource inner) {
        this.inner = inner;
        this.n = inner.layout().numElements();
    }

    @Override
    public final TensorLayout layout() {
        return inner.layout();
    }

    @Override
    public final void initialWeights(float[] w) {
        inner.initialWeights(w);
    }

    /** One minibatch gradient of the inner source at {@code x} into {@code g}, counting its examples. */
    protected final double gradient(float[] x, float[] g, boolean first) {
        double loss = inner.next(x, g);
        examples = (first ? 0 : examples) + inner.lastBatchSize();
        return loss;
    }

    @Override
    public final int lastBatchSize() {
        return examples;
    }

    static int atLeastOne(String flag, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(flag + " must be >= 1, got " + value);
        }
        return value;
    }

    static double positive(String flag, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(flag + " must be finite and > 0, got " + value);
        }
        return value;
    }

    static double unitInterval(String flag, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(flag + " must be in [0, 1), got " + value);
        }
        return value;
    }
}
