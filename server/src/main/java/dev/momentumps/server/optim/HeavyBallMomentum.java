package dev.momentumps.server.optim;

/**
 * Heavy-ball (Polyak) momentum:
 * <pre>
 *   v <- β v + g        (v₀ = 0)
 *   w <- w - η v
 * </pre>
 * with optional L2 weight decay {@code g <- g + λ w} first.
 *
 * <p>Source: Dive into Deep Learning §11.6 "Momentum" (https://d2l.ai/chapter_optimization/momentum.html);
 * identical to torch.optim.SGD(momentum=β, dampening=0, nesterov=False): torch sets {@code buf = g} on the
 * first step, which equals {@code β·0 + g}. Float32 operation order as torch:
 * {@code buf.mul_(β).add_(g)}, {@code param.add_(buf, alpha=-lr)}.
 *
 * <p>β is in [0, 1) by default; with {@code allowNegative} it may be in (−1, 1): asynchronous training adds
 * implicit momentum (Mitliagkas et al. 2016, "Asynchrony begets momentum"), so negative explicit momentum is
 * a legitimate object of study.
 */
public final class HeavyBallMomentum extends AbstractUpdateRule {

    static final String VELOCITY = "velocity";

    private final double beta;
    private final boolean allowNegative;
    private final float b;
    private float[] v;

    /**
     * @param lr            learning rate η, {@code > 0}
     * @param beta          momentum β, in [0, 1) or, with {@code allowNegative}, in (−1, 1)
     * @param weightDecay   L2 weight decay λ, {@code >= 0}
     * @param allowNegative whether β may be negative
     */
    public HeavyBallMomentum(double lr, double beta, double weightDecay, boolean allowNegative) {
        super("momentum", lr, weightDecay, VELOCITY);
        this.beta = allowNegative ? Checks.openSymmetric("beta", beta) : Checks.unitInterval("beta", beta);
        this.allowNegative = allowNegative;
        this.b = (float) beta;
    }

    @Override
    protected void onInitialize() {
        v = stateVector(VELOCITY);
    }

    @Override
    public void apply(float[] w, float[] g, int from, int to, long t, float lr) {
        checkRange(w, g, from, to, t);
        final float[] v = this.v;
        final float negLr = -lr;
        for (int i = from; i < to; i++) {
            float wi = w[i];
            float vi = v[i] * b + decayed(g[i], wi);
            v[i] = vi;
            w[i] = wi + negLr * vi;
        }
    }

    public double beta() {
        return beta;
    }

    @Override
    protected String hyperParameters() {
        return "beta=" + beta + (allowNegative ? ", allow_negative=true" : "");
    }
}
