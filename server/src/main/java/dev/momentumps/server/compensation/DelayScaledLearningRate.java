package dev.momentumps.server.compensation;

import dev.momentumps.server.consistency.Submission;
import java.util.List;

/**
 * What the learning-rate compensations that depend on a gradient's delay τ alone share: an update taking
 * one gradient in is scaled by {@link #factor factor(τ)}; an update taking several in at once (a synchronous
 * round) by the mean of their factors. For a linear rule (SGD, heavy ball) that mean is the same as scaling
 * each gradient by its own factor inside the round's average.
 */
abstract class DelayScaledLearningRate implements StalenessCompensation {

    /** The factor of a gradient computed {@code staleness} versions ago. */
    abstract float factor(long staleness);

    @Override
    public final float learningRateScale(List<Submission> contributors, long versionBefore) {
        if (contributors.size() == 1) {
            return factor(versionBefore - contributors.get(0).baseVersion());
        }
        double sum = 0;
        for (Submission s : contributors) {
            sum += factor(versionBefore - s.baseVersion());
        }
        return (float) (sum / contributors.size());
    }
}
