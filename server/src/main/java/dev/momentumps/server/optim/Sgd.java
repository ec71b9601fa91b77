package dev.momentumps.server.optim;

/**
 * Plain stochastic gradient descent: {@code w <- w - η g}, with optional L2 weight decay
 * {@code g <- g + λ w} first.
 *
 * <p>Source: torch.optim.SGD with {@code momentum=0}
 * (https://pytorch.org/docs/stable/generated/torch.optim.SGD.html); same float32 operation order
 * ({@code param.add_(d_p, alpha=-lr)}).
 */
public final class Sgd extends AbstractUpdateRule implements SparseUpdateRule {

    /**
     * @param lr          learning rate η, {@code > 0}
     * @param weightDecay L2 weight decay λ, {@code >= 0}
     */
    public Sgd(double lr, double weightDecay) {
        super("sgd", lr, weightDecay);
    }

    @Override
    protected void onInitialize() {
        // stateless
    }

    @Override
    public void apply(float[] w, float[] g, int gFrom, int from, int to, long t, float lr) {
        checkRange(w, g, gFrom, from, to, t);
        final int d = gFrom - from; // element i's gradient is g[i + d]
        final float negLr = -lr;
        for (int i = from; i < to; i++) {
            float wi = w[i];
            w[i] = wi + negLr * decayed(gradientAt(g, i, d), wi);
        }
    }

    /** Lazy SGD: only the touched rows move, each by {@code -η (g + λ w)}. */
    @Override
    public void applySparse(float[] w, int[] rows, float[] g, int n, long t, float lr) {
        final float negLr = -lr;
        for (int j = 0; j < n; j++) {
            int i = rows[j];
            float wi = w[i];
            w[i] = wi + negLr * decayed(g[j], wi);
        }
    }

    /** An untouched row does not move: nothing to catch up. */
    @Override
    public void settle(float[] w, int[] rows, int n, long t, float lr) {
    }

    @Override
    public void onDenseStep(long t) {
    }

    @Override
    public boolean lagging() {
        return false;
    }

    @Override
    protected String hyperParameters() {
        return "";
    }
}
