package dev.momentumps.server.compensation;

/**
 * Delay-adaptive step size (Mishchenko, Bach, Even, Woodworth, "Asynchronous SGD Beats Minibatch SGD Under
 * Arbitrary Delays", NeurIPS 2022): with M workers, a gradient of delay τ is applied with
 * <pre>  η_t = η · M / max(M, τ)</pre>
 * the full η (the schedule's rate at that step) for every delay up to M, the number of gradients in flight
 * when every worker computes at the same pace, and η·M/τ for the rare long delays beyond it. Unlike η/τ
 * ({@link StalenessAwareLearningRate}), which shrinks every stale step, it only touches the delays a slow
 * worker causes, so a run with one straggler keeps its step size on the gradients of the others.
 *
 * <p>An update taking several gradients in at once (a synchronous round) uses the mean of their factors;
 * in the synchronous models τ = 0, so the factor is 1.
 */
public final class DelayAdaptiveLearningRate extends DelayScaledLearningRate {

    private final int workers;

    /** @param workers M, the number of workers, {@code >= 1} */
    public DelayAdaptiveLearningRate(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("delay-adaptive workers M must be >= 1, got " + workers);
        }
        this.workers = workers;
    }

    /** M / max(M, τ). */
    @Override
    float factor(long staleness) {
        return staleness <= workers ? 1f : (float) ((double) workers / staleness);
    }

    public int workers() {
        return workers;
    }

    @Override
    public String toString() {
        return "delay-adaptive-lr(M=" + workers + ")";
    }
}
