package dev.momentumps.server.optim;

/**
 * AdaDelta:
 * <pre>
 *   g  <- g + λ w                                   (L2 weight decay, optional)
 *   s  <- ρ s + (1 − ρ) g²                          (s₀ = 0)
 *   Δ   = sqrt(u + ε) / sqrt(s + ε) · g             (u₀ = 0)
 *   u  <- ρ u + (1 − ρ) Δ²
 *   w  <- w − η Δ
 * </pre>
 *
 * <p>Source: Zeiler 2012, "ADADELTA: an adaptive learning rate method"; torch.optim.Adadelta
 * (https://pytorch.org/docs/stable/generated/torch.optim.Adadelta.html), whose default η is 1.0. Float32
 * order as torch: {@code std = square_avg.add(eps).sqrt_()},
 * {@code delta = acc_delta.add(eps).sqrt_().div_(std).mul_(g)}, {@code param.add_(delta, alpha=-lr)}.
 */
public final class AdaDelta extends AbstractUpdateRule {

    static final String SQUARE_AVG = "square_avg";
    static final String ACC_DELTA = "acc_delta";

    private final double rho;
    private final double eps;
    private final float rhoF;
    private final float oneMinusRho;
    private final float epsF;
    private float[] sq;
    private float[] acc;

    /**
     * @param lr          learning rate η (scales Δ), {@code > 0}
     * @param rho         decay ρ, in [0, 1)
     * @param eps         ε, {@code > 0}
     * @param weightDecay L2 weight decay λ, {@code >= 0}
     */
    public AdaDelta(double lr, double rho, double eps, double weightDecay) {
        super("adadelta", lr, weightDecay, SQUARE_AVG, ACC_DELTA);
        this.rho = Checks.unitInterval("rho", rho);
        this.eps = Checks.positive("eps", eps);
        this.rhoF = (float) rho;
        this.oneMinusRho = (float) (1.0 - rho);
        this.epsF = (float) eps;
    }

    @Override
    protected void onInitialize() {
        sq = stateVector(SQUARE_AVG);
        acc = stateVector(ACC_DELTA);
    }

    @Override
    public void apply(float[] w, float[] g, int gFrom, int from, int to, long t, float lr) {
        checkRange(w, g, gFrom, from, to, t);
        final int d = gFrom - from; // element i's gradient is g[i + d]
        final float[] sq = this.sq;
        final float[] acc = this.acc;
        final float negLr = -lr;
        for (int i = from; i < to; i++) {
            float wi = w[i];
            float gi = decayed(gradientAt(g, i, d), wi);
            float s = sq[i] * rhoF + oneMinusRho * gi * gi;
            sq[i] = s;
            float std = (float) Math.sqrt(s + epsF);
            float delta = (float) Math.sqrt(acc[i] + epsF) / std * gi;
            acc[i] = acc[i] * rhoF + oneMinusRho * delta * delta;
            w[i] = wi + negLr * delta;
        }
    }

    @Override
    protected String hyperParameters() {
        return "rho=" + rho + ", eps=" + eps;
    }
}
