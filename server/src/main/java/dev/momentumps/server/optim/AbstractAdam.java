package dev.momentumps.server.optim;

/**
 * The Adam step shared by {@link Adam} (L2 weight decay added to the gradient) and {@link AdamW} (decoupled
 * weight decay applied to the weights). Follows torch 1.13's {@code _single_tensor_adam/adamw}
 * (non-capturable, amsgrad=False) in float32 operation order:
 * <pre>
 *   exp_avg.mul_(β1).add_(g, alpha=1-β1)
 *   exp_avg_sq.mul_(β2).addcmul_(g, g, value=1-β2)
 *   step_size = lr / (1 - β1^t)                        (double)
 *   denom = (exp_avg_sq.sqrt() / sqrt(1 - β2^t)).add_(eps)
 *   param.addcdiv_(exp_avg, denom, value=-step_size)
 * </pre>
 * With {@code epsInsideRoot} ε goes under the root of the bias-corrected second moment,
 * {@code denom = sqrt(exp_avg_sq / (1 - β2^t) + eps)} (float32: the quotient by {@code 1 - β2^t}, cast
 * from double, then {@code add_(eps).sqrt_()}), the form the textbooks use for Adagrad and RMSProp carried
 * over to Adam.
 */
abstract class AbstractAdam extends AbstractUpdateRule implements SparseUpdateRule {

    static final String EXP_AVG = "exp_avg";
    static final String EXP_AVG_SQ = "exp_avg_sq";

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final float b1;
    private final float oneMinusB1;
    private final float b2;
    private final float oneMinusB2;
    private final float epsF;
    private final boolean decoupled;
    private final boolean epsInsideRoot;
    private float[] m;
    private float[] v;

    AbstractAdam(String name, double lr, double beta1, double beta2, double eps, double weightDecay,
            boolean decoupled, boolean epsInsideRoot) {
        super(name, lr, weightDecay, EXP_AVG, EXP_AVG_SQ);
        this.epsInsideRoot = epsInsideRoot;
        this.beta1 = Checks.unitInterval("beta1", beta1);
        this.beta2 = Checks.unitInterval("beta2", beta2);
        this.eps = Checks.positive("eps", eps);
        this.b1 = (float) beta1;
        this.oneMinusB1 = (float) (1.0 - beta1);
        this.b2 = (float) beta2;
        this.oneMinusB2 = (float) (1.0 - beta2);
        this.epsF = (float) eps;
        this.decoupled = decoupled;
    }

    @Override
    protected final void onInitialize() {
        m = stateVector(EXP_AVG);
        v = stateVector(EXP_AVG_SQ);
    }

    @Override
    public final void apply(float[] w, float[] g, int gFrom, int from, int to, long t, float lr) {
        checkRange(w, g, gFrom, from, to, t);
        final int d = gFrom - from; // element i's gradient is g[i + d]
        final float[] m = this.m;
        final float[] v = this.v;
        // Adam: L2 into the gradient; AdamW: w <- w·(1 − η λ) before the step (1 exactly when λ = 0).
        final float l2 = decoupled ? 0f : wd;
        final float shrink = decoupled ? (float) (1.0 - lr * weightDecay) : 1f;
        final double bc1 = 1.0 - Math.pow(beta1, t);
        final double bc2 = 1.0 - Math.pow(beta2, t);
        final float negStepSize = (float) -(lr / bc1);
        final float bc2Sqrt = (float) Math.sqrt(bc2);
        final float bc2F = (float) bc2;
        for (int i = from; i < to; i++) {
            float wi = w[i];
            float gi = withL2(gradientAt(g, i, d), wi, l2);
            float mi = m[i] * b1 + oneMinusB1 * gi;
            float vi = v[i] * b2 + oneMinusB2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            float denom = denominator(vi, bc2Sqrt, bc2F);
            w[i] = wi * shrink + negStepSize * mi / denom;
        }
    }

    /** √v̂ + ε (torch), or √(v̂ + ε) with {@code epsInsideRoot}. */
    private float denominator(float vi, float bc2Sqrt, float bc2) {
        return epsInsideRoot ? (float) Math.sqrt(vi / bc2 + epsF) : (float) Math.sqrt(vi) / bc2Sqrt + epsF;
    }

    /**
     * Lazy Adam (TF Addons {@code LazyAdam}): the step above on the touched rows only, bias-corrected with
     * the global step {@code t}; untouched rows keep their moments and weights.
     */
    @Override
    public final void applySparse(float[] w, int[] rows, float[] g, int n, long t, float lr) {
        final float[] m = this.m;
        final float[] v = this.v;
        final float l2 = decoupled ? 0f : wd;
        final float shrink = decoupled ? (float) (1.0 - lr * weightDecay) : 1f;
        final float negStepSize = (float) -(lr / (1.0 - Math.pow(beta1, t)));
        final float bc2Sqrt = (float) Math.sqrt(1.0 - Math.pow(beta2, t));
        final float bc2F = (float) (1.0 - Math.pow(beta2, t));
        for (int j = 0; j < n; j++) {
            int i = rows[j];
            float wi = w[i];
            float gi = withL2(g[j], wi, l2);
            float mi = m[i] * b1 + oneMinusB1 * gi;
            float vi = v[i] * b2 + oneMinusB2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            float denom = denominator(vi, bc2Sqrt, bc2F);
            w[i] = wi * shrink + negStepSize * mi / denom;
        }
    }

    /** Lazy Adam leaves untouched rows as they are: nothing to catch up. */
    @Override
    public final void settle(float[] w, int[] rows, int n, long t, float lr) {
    }

    @Override
    public final void onDenseStep(long t) {
    }

    @Override
    public final boolean lagging() {
        return false;
    }

    @Override
    protected final String hyperParameters() {
        return "beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + eps + (epsInsideRoot ? ", eps_inside_root=true" : "");
    }
}
