package dev.momentumps.server.optim;

/**
 * RMSprop, optionally centered and with momentum, exactly as torch.optim.RMSprop:
 * <pre>
 *   g  <- g + λ w                                   (L2 weight decay, optional)
 *   s  <- α s + (1 − α) g²                          (s₀ = 0)
 *   centered: a <- α a + (1 − α) g ; d = sqrt(s − a²) + ε     (a₀ = 0)
 *   otherwise:                        d = sqrt(s) + ε
 *   momentum μ > 0: b <- μ b + g / d ; w <- w − η b            (b₀ = 0)
 *   otherwise:                          w <- w − η g / d
 * </pre>
 *
 * <p>Source: Hinton, Coursera lecture 6.5; Graves 2013 for the centered variant; torch.optim.RMSprop
 * (https://pytorch.org/docs/stable/generated/torch.optim.RMSprop.html). Float32 order as torch 1.13's
 * {@code _single_tensor_rmsprop}: {@code square_avg.mul_(α).addcmul_(g, g, value=1-α)},
 * {@code grad_avg.mul_(α).add_(g, alpha=1-α)}, {@code square_avg.addcmul(a, a, value=-1).sqrt_()},
 * {@code add_(eps)}, {@code buf.mul_(μ).addcdiv_(g, d)}, {@code param.add_(buf, alpha=-lr)} or
 * {@code param.addcdiv_(g, d, value=-lr)}.
 *
 * <p>With {@code epsInsideRoot} ε goes under the root, {@code d = sqrt(s + ε)} (centered:
 * {@code sqrt(s − a² + ε)}), as the textbook writes RMSProp (Dive into Deep Learning §12.8,
 * https://d2l.ai/chapter_optimization/rmsprop.html; Goodfellow, Bengio &amp; Courville, Deep Learning,
 * Algorithm 8.5); float32 order {@code (s + ε).sqrt()}.
 */
public final class RmsProp extends AbstractUpdateRule {

    static final String SQUARE_AVG = "square_avg";
    static final String GRAD_AVG = "grad_avg";
    static final String MOMENTUM_BUFFER = "momentum_buffer";

    private final double alpha;
    private final double eps;
    private final double momentum;
    private final boolean centered;
    private final boolean epsInsideRoot;
    private final float alphaF;
    private final float oneMinusAlpha;
    private final float epsF;
    private final float mu;
    private float[] sq;
    private float[] avg;
    private float[] buf;

    /**
     * @param lr          learning rate η, {@code > 0}
     * @param alpha       smoothing constant α, in [0, 1)
     * @param eps         ε, {@code > 0}
     * @param momentum    momentum μ, in [0, 1); 0 = none
     * @param centered    whether to normalise by the estimated variance instead of the raw second moment
     * @param weightDecay L2 weight decay λ, {@code >= 0}
     */
    public RmsProp(double lr, double alpha, double eps, double momentum, boolean centered, double weightDecay) {
        this(lr, alpha, eps, momentum, centered, weightDecay, false);
    }

    /** @param epsInsideRoot divide by {@code sqrt(s + ε)} instead of torch's {@code sqrt(s) + ε} */
    public RmsProp(double lr, double alpha, double eps, double momentum, boolean centered, double weightDecay,
                   boolean epsInsideRoot) {
        super("rmsprop", lr, weightDecay, stateNames(momentum, centered));
        this.alpha = Checks.unitInterval("alpha", alpha);
        this.eps = Checks.positive("eps", eps);
        this.momentum = Checks.unitInterval("momentum", momentum);
        this.centered = centered;
        this.epsInsideRoot = epsInsideRoot;
        this.alphaF = (float) alpha;
        this.oneMinusAlpha = (float) (1.0 - alpha);
        this.epsF = (float) eps;
        this.mu = (float) momentum;
    }

    private static String[] stateNames(double momentum, boolean centered) {
        if (centered) {
            return momentum > 0 ? new String[] {SQUARE_AVG, GRAD_AVG, MOMENTUM_BUFFER}
                    : new String[] {SQUARE_AVG, GRAD_AVG};
        }
        return momentum > 0 ? new String[] {SQUARE_AVG, MOMENTUM_BUFFER} : new String[] {SQUARE_AVG};
    }

    @Override
    protected void onInitialize() {
        sq = stateVector(SQUARE_AVG);
        avg = stateVector(GRAD_AVG);
        buf = stateVector(MOMENTUM_BUFFER);
    }

    @Override
    public void apply(float[] w, float[] g, int gFrom, int from, int to, long t, float lr) {
        checkRange(w, g, gFrom, from, to, t);
        final int gd = gFrom - from; // element i's gradient is g[i + gd]
        final float[] sq = this.sq;
        final float[] avg = this.avg;
        final float[] buf = this.buf;
        final float negLr = -lr;
        final boolean withMomentum = mu > 0f;
        for (int i = from; i < to; i++) {
            float wi = w[i];
            float gi = decayed(gradientAt(g, i, gd), wi);
            float s = sq[i] * alphaF + oneMinusAlpha * gi * gi;
            sq[i] = s;
            float d;
            if (centered) {
                float a = avg[i] * alphaF + oneMinusAlpha * gi;
                avg[i] = a;
                float var = s + -1f * a * a;
                d = epsInsideRoot ? (float) Math.sqrt(var + epsF) : (float) Math.sqrt(var) + epsF;
            } else {
                d = epsInsideRoot ? (float) Math.sqrt(s + epsF) : (float) Math.sqrt(s) + epsF;
            }
            if (withMomentum) {
                float bi = buf[i] * mu + gi / d;
                buf[i] = bi;
                w[i] = wi + negLr * bi;
            } else {
                w[i] = wi + negLr * gi / d;
            }
        }
    }

    @Override
    protected String hyperParameters() {
        return "alpha=" + alpha + ", eps=" + eps + ", momentum=" + momentum + ", centered=" + centered
                + (epsInsideRoot ? ", eps_inside_root=true" : "");
    }
}
