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
public final class HeavyBallMomentum extends VelocityRule implements SparseUpdateRule {

    private final boolean allowNegative;
    /** Sparse steps only: the last step each row was brought to (0 = never touched sparsely). */
    private long[] rowStep;
    /** The last step that brought every row up to date (a dense step or a full settle). */
    private long denseStep;
    private boolean lagging;

    /**
     * @param lr            learning rate η, {@code > 0}
     * @param beta          momentum β, in [0, 1) or, with {@code allowNegative}, in (−1, 1)
     * @param weightDecay   L2 weight decay λ, {@code >= 0}
     * @param allowNegative whether β may be negative
     */
    public HeavyBallMomentum(double lr, double beta, double weightDecay, boolean allowNegative) {
        super("momentum", lr, allowNegative ? Checks.openSymmetric("beta", beta) : Checks.unitInterval("beta", beta),
                weightDecay);
        this.allowNegative = allowNegative;
    }

    @Override
    protected void onInitialize() {
        super.onInitialize();
        rowStep = null;
        denseStep = 0;
        lagging = false;
    }

    @Override
    public void apply(float[] w, float[] g, int gFrom, int from, int to, long t, float lr) {
        checkRange(w, g, gFrom, from, to, t);
        step(w, g, gFrom - from, v, from, to, b, lr, wd);
    }

    /**
     * The heavy-ball step on {@code [from, to)}: {@code v <- βv + (g + λw)}, {@code w <- w − ηv} (closed-loop
     * momentum takes it with the β of the moment); element i's gradient is {@code g[i + d]}.
     */
    static void step(float[] w, float[] g, int d, float[] v, int from, int to, float beta, float lr, float lambda) {
        final float negLr = -lr;
        for (int i = from; i < to; i++) {
            float wi = w[i];
            float vi = v[i] * beta + withL2(gradientAt(g, i, d), wi, lambda);
            v[i] = vi;
            w[i] = wi + negLr * vi;
        }
    }

    /**
     * Sparse step t with catch-up: a touched row last brought to step s first takes the k = t − 1 − s
     * skipped zero-gradient steps in closed form ({@link #catchUp}), then the ordinary step above.
     */
    @Override
    public void applySparse(float[] w, int[] rows, float[] g, int n, long t, float lr) {
        final float[] v = this.v;
        final long[] last = rowSteps();
        final float negLr = -lr;
        for (int j = 0; j < n; j++) {
            int i = rows[j];
            long k = t - 1 - Math.max(last[i], denseStep);
            if (k > 0) {
                catchUp(w, i, k, lr);
            }
            float wi = w[i];
            float vi = v[i] * b + decayed(g[j], wi);
            v[i] = vi;
            w[i] = wi + negLr * vi;
            last[i] = t;
        }
        lagging = true;
    }

    @Override
    public void settle(float[] w, int[] rows, int n, long t, float lr) {
        if (!lagging) {
            return;
        }
        final long[] last = rowSteps();
        if (rows == null) {
            for (int i = 0; i < w.length; i++) {
                long k = t - Math.max(last[i], denseStep);
                if (k > 0) {
                    catchUp(w, i, k, lr);
                }
            }
            denseStep = t;
            lagging = false;
            return;
        }
        for (int j = 0; j < n; j++) {
            int i = rows[j];
            long k = t - Math.max(last[i], denseStep);
            if (k > 0) {
                catchUp(w, i, k, lr);
                last[i] = t;
            }
        }
    }

    @Override
    public void onDenseStep(long t) {
        denseStep = t;
    }

    @Override
    public boolean lagging() {
        return lagging;
    }

    /**
     * k steps of {@code v <- β v + 0; w <- w − η v} at once: {@code w <- w − η v β(1−β^k)/(1−β)},
     * {@code v <- β^k v} (computed in double; β = 0 leaves both unchanged after the first power). Weight
     * decay is not applied to skipped steps.
     */
    private void catchUp(float[] w, int i, long k, float lr) {
        double beta = b;
        double bk = Math.pow(beta, k);
        double vi = v[i];
        w[i] = (float) (w[i] - (double) lr * vi * beta * (1.0 - bk) / (1.0 - beta));
        v[i] = (float) (vi * bk);
    }

    private long[] rowSteps() {
        if (rowStep == null || rowStep.length != v.length) {
            rowStep = new long[v.length];
        }
        return rowStep;
    }

    public double beta() {
        return beta;
    }

    @Override
    protected String hyperParameters() {
        return "beta=" + beta + (allowNegative ? ", allow_negative=true" : "");
    }
}
