package dev.momentumps.study.experiment;

import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.loop.GradientSource;

/**
 * A one-coordinate gradient source that sends gradient 1 once, then 0: the server's response to it is the
 * weight a rule gives a past gradient (for heavy ball with η = 1, the step t updates later is βᵗ).
 */
final class ImpulseGradient implements GradientSource {
    private static final TensorLayout LAYOUT = TensorLayout.of("x", 1);
    private boolean sent;

    @Override
    public TensorLayout layout() {
        return LAYOUT;
    }

    @Override
    public void initialWeights(float[] w) {
        w[0] = 0f;
    }

    @Override
    public double next(float[] w, float[] g) {
        g[0] = sent ? 0f : 1f;
        sent = true;
        return Double.NaN;
    }

    @Override
    public int lastBatchSize() {
        return 1;
    }
}
