package dev.momentumps.server.optim;

/**
 * Adagrad:
 * <pre>
 *   g   <- g + λ w                     (L2 weight decay, optional)
 *   sum <- sum + g²                    (sum₀ = 0)
 *   clr  = η / (1 + (t − 1) · lr_decay)
 *   w   <- w − clr · g / (sqrt(sum) + ε)
 * </pre>
 *
 * <p>Source: Duchi, Hazan &amp; Singer 2011; torch.optim.Adagrad
 * (https://pytorch.org/docs/stable/generated/torch.optim.Adagrad.html) with
 * {@code initial_accumulator_value=0}. Float32 order as torch: {@code state_sum.addcmul_(g, g)},
 * {@code std = state_sum.sqrt().add_(eps)}, {@code param.addcdiv_(g, std, value=-clr)} (i.e.
 * {@code w + (−clr·g)/std}); clr is computed in double.
 *
 * <p>With {@code epsInsideRoot} ε goes under the root, {@code w <- w − clr · g / sqrt(sum + ε)}, as the
 * textbook writes Adagrad (Dive into Deep Learning §12.7, https://d2l.ai/chapter_optimization/adagrad.html);
 * float32 order {@code (sum + ε).sqrt()}.
 */
public final class Adagrad extends AbstractUpdateRule {

    static final String SUM = "sum";

    private final double lrDecay;
    private final double eps;
    private final float epsF;
    private final boolean epsInsideRoot;
    private float[] sum;

    /**
     * @param lr          learning rate η, {@code > 0}
     * @param lrDecay     learning-rate decay, {@code >= 0}
     * @param eps         ε, {@code > 0}
     * @param weightDecay L2 weight decay λ, {@code >= 0}
     */
    public Adagrad(double lr, double lrDecay, double eps, double weightDecay) {
        this(lr, lrDecay, eps, weightDecay, false);
    }

    /** @param epsInsideRoot divide by {@code sqrt(sum + ε)} instead of torch's {@code sqrt(sum) + ε} */
    public Adagrad(double lr, double lrDecay, double eps, double weightDecay, boolean epsInsideRoot) {
        super("adagrad", lr, weightDecay, SUM);
        this.lrDecay = Checks.nonNegative("lr_decay", lrDecay);
        this.eps = Checks.positive("eps", eps);
        this.epsF = (float) eps;
        this.epsInsideRoot = epsInsideRoot;
    }

    @Override
    protected void onInitialize() {
        sum = stateVector(SUM);
    }

    @Override
    public void apply(float[] w, float[] g, int gFrom, int from, int to, long t, float lr) {
        checkRange(w, g, gFrom, from, to, t);
        final int d = gFrom - from; // element i's gradient is g[i + d]
        final float[] sum = this.sum;
        final float negClr = (float) -(lr / (1 + (t - 1) * lrDecay));
        for (int i = from; i < to; i++) {
            float wi = w[i];
            float gi = decayed(gradientAt(g, i, d), wi);
            float s = sum[i] + gi * gi;
            sum[i] = s;
            float std = epsInsideRoot ? (float) Math.sqrt(s + epsF) : (float) Math.sqrt(s) + epsF;
            w[i] = wi + negClr * gi / std;
        }
    }

    @Override
    protected String hyperParameters() {
        return "lr_decay=" + lrDecay + ", eps=" + eps + (epsInsideRoot ? ", eps_inside_root=true" : "");
    }
}
