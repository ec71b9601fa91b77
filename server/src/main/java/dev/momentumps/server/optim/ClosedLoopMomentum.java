package dev.momentumps.server.optim;

import java.util.Arrays;

/**
 * Heavy-ball momentum whose explicit β is steered so that the total momentum the run exhibits, explicit
 * plus what asynchrony adds, reaches a target μ* (closed-loop YellowFin: Zhang &amp; Mitliagkas, "YellowFin
 * and the Art of Momentum Tuning", SysML 2019, §5; the momentum asynchrony adds: Mitliagkas, Zhang, Hadjis,
 * Ré, "Asynchrony begets momentum", 2016). The step is heavy ball, {@code v <- βv + g, θ <- θ − αv}
 * ({@link HeavyBallMomentum}), with the β of the moment.
 *
 * <p><b>Measuring the total momentum.</b> With momentum μ_T and fresh gradients, θ_{s+1} − θ_s =
 * μ_T(θ_s − θ_{s−1}) − α∇f(θ_s). When a gradient computed on θ_s arrives (delay τ >= 1, so θ_{s+1} is known),
 * each watched element j gives
 * <pre>  μ̂_j = (θ_{s+1,j} − θ_{s,j} + α_{s+1} g_j) / (θ_{s,j} − θ_{s−1,j})</pre>
 * and the estimate is the median over the elements whose previous step is not zero (YellowFin's estimator).
 * A gradient with τ = 0 is the one the step from θ_s used, so the total is exactly the explicit β.
 * <b>Control:</b> after every estimate, β <- clamp(β + γ(μ* − μ̂), −0.9, 0.99).
 *
 * <p>The estimator watches K = min(n, {@value #WATCHED}) elements evenly spaced over the vector and keeps
 * their values for the last {@value #HISTORY} versions, with the learning rate of each step; a gradient older
 * than that gives no estimate. Weight decay is not part of the estimate. A sharded server runs one loop
 * per shard, each steering its own β from its own elements.
 *
 * <p>State, checkpointed with the rest: the velocity, {@value #CONTROL} = [β, last estimate, estimates made],
 * the watched history and the step sizes. {@link #beta()} and {@link #lastEstimate()} report the loop.
 */
public final class ClosedLoopMomentum extends AbstractUpdateRule implements UpdateOrigin {
    static final String VELOCITY = "velocity";
    static final String CONTROL = "closed_loop";
    static final String HISTORY = "closed_loop_history";
    static final String STEP_SIZES = "closed_loop_lr";
    /** Elements watched by the estimator (at most). */
    public static final int WATCHED = 256;
    /** Versions of the watched elements kept. */
    public static final int HISTORY_LENGTH = 1024;
    private static final float BETA_MIN = -0.9f;
    private static final float BETA_MAX = 0.99f;

    private final double initialBeta;
    private final double target;
    private final double gain;
    private final float targetF;
    private final float gainF;
    private float[] v;
    private float[] control;
    private float[] history;
    private float[] lrs;
    private int[] watched;
    private float[] scratch;

    /**
     * @param lr          learning rate α, {@code > 0}
     * @param beta        the explicit β to start from, in (−1, 1)
     * @param target      μ*, the total momentum aimed at, in [0, 1)
     * @param gain        γ, how far β moves per estimate toward closing the gap, in (0, 1]
     * @param weightDecay L2 weight decay λ, {@code >= 0}
     */
    public ClosedLoopMomentum(double lr, double beta, double target, double gain, double weightDecay) {
        super("closed-loop", lr, weightDecay, VELOCITY, CONTROL, HISTORY, STEP_SIZES);
        this.initialBeta = Checks.openSymmetric("beta", beta);
        this.target = Checks.unitInterval("target", target);
        this.gain = Checks.fraction("gain", gain);
        this.targetF = (float) target;
        this.gainF = (float) gain;
    }

    @Override
    protected void onInitialize() {
        v = stateVector(VELOCITY);
        int n = v.length;
        int k = Math.min(n, WATCHED);
        watched = new int[k];
        for (int j = 0; j < k; j++) {
            watched[j] = (int) ((long) j * n / k);
        }
        scratch = new float[k];
        control = stateVector(CONTROL);
        history = stateVector(HISTORY);
        lrs = stateVector(STEP_SIZES);
        control[0] = (float) initialBeta;
    }

    /** The state vectors' lengths differ from n: the control triple, the K×H history and the H step sizes. */
    @Override
    protected int stateLength(String key, int n) {
        int k = Math.min(n, WATCHED);
        return switch (key) {
            case CONTROL -> 3;
            case HISTORY -> k * HISTORY_LENGTH;
            case STEP_SIZES -> HISTORY_LENGTH;
            default -> n;
        };
    }

    @Override
    public void beforeUpdate(int workerId, long baseVersion, long version, float[] gradient, float[] weights) {
        int k = watched.length;
        int slot = (int) (version % HISTORY_LENGTH) * k;
        for (int j = 0; j < k; j++) {
            history[slot + j] = weights[watched[j]];
        }
        long s = baseVersion;
        long tau = version - s;
        float estimate;
        if (tau == 0) {
            estimate = control[0];
        } else if (s >= 1 && version - (s - 1) < HISTORY_LENGTH) {
            int before = (int) ((s - 1) % HISTORY_LENGTH) * k;
            int at = (int) (s % HISTORY_LENGTH) * k;
            int after = (int) ((s + 1) % HISTORY_LENGTH) * k;
            float lr = lrs[(int) ((s + 1) % HISTORY_LENGTH)];
            int m = 0;
            for (int j = 0; j < k; j++) {
                float previous = history[at + j] - history[before + j];
                if (previous != 0f) {
                    scratch[m++] = (history[after + j] - history[at + j] + lr * gradient[watched[j]]) / previous;
                }
            }
            if (m == 0) {
                return;
            }
            Arrays.sort(scratch, 0, m);
            estimate = (m & 1) == 1 ? scratch[m / 2] : 0.5f * (scratch[m / 2 - 1] + scratch[m / 2]);
        } else {
            return;
        }
        float beta = control[0] + gainF * (targetF - estimate);
        control[0] = Math.max(BETA_MIN, Math.min(BETA_MAX, beta));
        control[1] = estimate;
        control[2] += 1f;
    }

    @Override
    public void apply(float[] w, float[] g, int gFrom, int from, int to, long t, float lr) {
        checkRange(w, g, gFrom, from, to, t);
        if (from == 0) {
            lrs[(int) (t % HISTORY_LENGTH)] = lr;
        }
        HeavyBallMomentum.step(w, g, gFrom - from, v, from, to, control[0], lr, wd);
    }

    /** The explicit β now. */
    public float beta() {
        return control[0];
    }

    /** The last estimate of the total momentum (NaN before the first). */
    public float lastEstimate() {
        return control[2] == 0f ? Float.NaN : control[1];
    }

    /** How many estimates the loop has made. */
    public long estimates() {
        return (long) control[2];
    }

    @Override
    protected String hyperParameters() {
        return "beta=" + initialBeta + ", target=" + target + ", gain=" + gain;
    }
}
