package dev.momentumps.server.compensation;

/**
 * Staleness-dependent learning rate (Zhang, Gupta, Lian, Liu, "Staleness-aware Async-SGD for Distributed
 * Deep Learning", IJCAI 2016): a gradient of staleness τ is applied with learning rate η/τ when τ > 0 and η
 * when τ = 0 (η being the schedule's rate at that step).
 *
 * <p>An update that takes several gradients in at once (a synchronous round) is scaled by the mean of their
 * factors, (1/n) Σ 1/max(τᵢ, 1); for a single gradient that is exactly η/τ. (Zhang et al. divide each
 * gradient by its own τ inside the average; with a linear rule such as SGD or heavy-ball that is the same
 * thing whenever the round's τᵢ are equal, which they are in every synchronous model here: all 0.)
 */
public final class StalenessAwareLearningRate extends DelayScaledLearningRate {

    /** 1/τ for τ > 0, 1 for τ = 0. */
    public static float staleFactor(long staleness) {
        return staleness <= 1 ? 1f : 1f / staleness;
    }

    @Override
    float factor(long staleness) {
        return staleFactor(staleness);
    }

    @Override
    public String toString() {
        return "staleness-lr(eta/tau)";
    }
}
