package dev.momentumps.server.optim;

/**
 * Nesterov momentum in torch's formulation:
 * <pre>
 *   b  <- β b + g        (b₀ = 0)
 *   g' <- g + β b
 *   w  <- w - η g'
 * </pre>
 * with optional L2 weight decay {@code g <- g + λ w} first.
 *
 * <p>Source: torch.optim.SGD(momentum=β, dampening=0, nesterov=True)
 * (https://pytorch.org/docs/stable/generated/torch.optim.SGD.html), after Sutskever et al. 2013, "On the
 * importance of initialization and momentum in deep learning". Float32 order as torch:
 * {@code buf.mul_(β).add_(g)}, {@code g.add(buf, alpha=β)}, {@code param.add_(g', alpha=-lr)}.
 */
public final class Nesterov extends VelocityRule {

    /**
     * @param lr          learning rate η, {@code > 0}
     * @param beta        momentum β, in [0, 1)
     * @param weightDecay L2 weight decay λ, {@code >= 0}
     */
    public Nesterov(double lr, double beta, double weightDecay) {
        super("nesterov", lr, Checks.unitInterval("beta", beta), weightDecay);
    }

    @Override
    public void apply(float[] w, float[] g, int gFrom, int from, int to, long t, float lr) {
        checkRange(w, g, gFrom, from, to, t);
        final int d = gFrom - from; // element i's gradient is g[i + d]
        final float[] v = this.v;
        final float negLr = -lr;
        for (int i = from; i < to; i++) {
            float wi = w[i];
            float gi = decayed(gradientAt(g, i, d), wi);
            float vi = v[i] * b + gi;
            v[i] = vi;
            w[i] = wi + negLr * (gi + b * vi);
        }
    }
}
