package dev.momentumps.server.optim;

/**
 * SlowMo's outer step (Wang, Tantia, Ballas, Rabbat, "SlowMo: Improving Communication-Efficient Distributed
 * SGD with Slow Momentum", ICLR 2020, Algorithm 1). Workers take H local steps of learning rate γ from the
 * weights x₀ they were sent and push their displacement Δ = x₀ − x_H ({@code mps worker --local-steps H});
 * the paper's slow momentum u and outer step
 * <pre>
 *   u <- β u + Δ / γ,      x <- x − α γ u
 * </pre>
 * are, with u' = γu for a constant γ, the same as
 * <pre>
 *   u' <- β u' + Δ,        x <- x − α u'
 * </pre>
 * which this rule applies (α = lr, the slow learning rate, 1 by default; β = 0: local SGD, the server adding
 * each displacement). In a synchronous round Δ is the workers' mean, as in the paper; asynchronously each
 * worker's displacement is one outer step. The state is u' ({@code velocity}), checkpointed. The arithmetic
 * is heavy ball's ({@link HeavyBallMomentum#step}) on displacements; no weight decay.
 */
public final class SlowMomentum extends VelocityRule {

    /**
     * @param alpha the slow learning rate α, {@code > 0}
     * @param beta  the slow momentum β, in [0, 1)
     */
    public SlowMomentum(double alpha, double beta) {
        super("slowmo", alpha, Checks.unitInterval("beta", beta), 0);
    }

    /** {@code g} holds a worker's displacement Δ = x₀ − x_H. */
    @Override
    public void apply(float[] w, float[] g, int gFrom, int from, int to, long t, float lr) {
        checkRange(w, g, gFrom, from, to, t);
        HeavyBallMomentum.step(w, g, gFrom - from, v, from, to, b, lr, 0f);
    }
}
