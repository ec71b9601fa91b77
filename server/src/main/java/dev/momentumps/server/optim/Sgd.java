package dev.momentumps.server.optim;

/**
 * Plain stochastic gradient descent: {@code w <- w - η g}, with optional L2 weight decay
 * {@code g <- g + λ w} first.
 *
 * <p>Source: torch.optim.SGD with {@code momentum=0}
 * (https://pytorch.org/docs/stable/generated/torch.optim.SGD.html); same float32 operation order
 * ({@code param.add_(d_p, alpha=-lr)}).
 */
public final class Sgd extends AbstractUpdateRule {

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
    public void apply(float[] w, float[] g, int from, int to, long t, float lr) {
        checkRange(w, g, from, to, t);
        final float negLr = -lr;
        for (int i = from; i < to; i++) {
            float wi = w[i];
            w[i] = wi + negLr * decayed(g[i], wi);
        }
    }

    @Override
    protected String hyperParameters() {
        return "";
    }
}
