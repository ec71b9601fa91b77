package dev.momentumps.worker.loop;

import dev.momentumps.wire.TensorLayout;

/**
 * A gradient source made k times slower, for injected stragglers in real runs: after each gradient it
 * sleeps (k − 1)·(the time the gradient took + the loop's injected delay), so with the loop's own
 * {@code delayMillis} sleep a step takes about k times what the other workers' steps take.
 */
public final class Straggler implements GradientSource {
    private final GradientSource inner;
    private final double factor;
    private final long delayNanos;

    /**
     * @param factor      k >= 1
     * @param delayMillis the delay the training loop adds to every step (--delay-ms), >= 0
     */
    public Straggler(GradientSource inner, double factor, long delayMillis) {
        if (!(factor >= 1) || !Double.isFinite(factor)) {
            throw new IllegalArgumentException("straggler factor must be finite and >= 1, got " + factor);
        }
        if (delayMillis < 0) {
            throw new IllegalArgumentException("delay must be >= 0 ms, got " + delayMillis);
        }
        this.inner = inner;
        this.factor = factor;
        this.delayNanos = delayMillis * 1_000_000L;
    }

    @Override
    public TensorLayout layout() {
        return inner.layout();
    }

    @Override
    public void initialWeights(float[] w) {
        inner.initialWeights(w);
    }

    @Override
    public double next(float[] w, float[] g) {
        long start = System.nanoTime();
        double loss = inner.next(w, g);
        long extra = (long) ((factor - 1) * (System.nanoTime() - start + delayNanos));
        if (extra > 0) {
            try {
                Thread.sleep(extra / 1_000_000L, (int) (extra % 1_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return loss;
    }

    @Override
    public int touchedRows(int[] out) {
        return inner.touchedRows(out);
    }

    @Override
    public int lastBatchSize() {
        return inner.lastBatchSize();
    }

    @Override
    public int gradientsPerNext() {
        return inner.gradientsPerNext();
    }

    @Override
    public String toString() {
        return "straggler(x" + factor + ")";
    }
}
