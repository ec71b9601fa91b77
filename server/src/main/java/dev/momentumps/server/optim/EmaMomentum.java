package dev.momentumps.server.optim;

/**
 * Momentum as an exponential moving average of the gradients:
 * <pre>
 *   v <- β v + (1 - β) g     (v₀ = 0)
 *   w <- w - η v
 * </pre>
 * with optional L2 weight decay {@code g <- g + λ w} first.
 *
 * <p>Source: Andrew Ng, deeplearning.ai "Improving Deep Neural Networks", lecture "Gradient descent with
 * momentum". There is no torch optimizer of this name. torch.optim.SGD(momentum=β, dampening=1−β) computes
 * the same recursion from step 2 on, but on step 1 torch sets {@code buf = g} (undamped) while this rule
 * gives {@code v = (1 − β) g}; the two trajectories therefore differ from the first step. With v₀ = 0 the
 * average is biased towards 0 early on (no bias correction, as in the course).
 *
 * <p>Float32 order: {@code v*β + (1−β)*g}, with {@code 1−β} computed in double then rounded, as torch does
 * for {@code add_(g, alpha=1-dampening)}.
 */
public class EmaMomentum extends VelocityRule {

    private final float oneMinusB;

    /**
     * @param lr          learning rate η, {@code > 0}
     * @param beta        averaging coefficient β, in [0, 1)
     * @param weightDecay L2 weight decay λ, {@code >= 0}
     */
    public EmaMomentum(double lr, double beta, double weightDecay) {
        this("ema-momentum", lr, beta, weightDecay);
    }

    /** The same step under another name (textbook Nesterov adds look-ahead weights to it). */
    EmaMomentum(String name, double lr, double beta, double weightDecay) {
        super(name, lr, Checks.unitInterval("beta", beta), weightDecay);
        this.oneMinusB = (float) (1.0 - beta);
    }

    @Override
    public final void apply(float[] w, float[] g, int gFrom, int from, int to, long t, float lr) {
        checkRange(w, g, gFrom, from, to, t);
        final int d = gFrom - from; // element i's gradient is g[i + d]
        final float[] v = this.v;
        final float negLr = -lr;
        for (int i = from; i < to; i++) {
            float wi = w[i];
            float vi = v[i] * b + oneMinusB * decayed(gradientAt(g, i, d), wi);
            v[i] = vi;
            w[i] = wi + negLr * vi;
        }
    }
}
