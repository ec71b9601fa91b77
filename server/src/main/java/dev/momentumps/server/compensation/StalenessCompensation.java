package dev.momentumps.server.compensation;

import dev.momentumps.server.consistency.Submission;
import java.util.List;

/**
 * A server-side correction for stale gradients that composes with any update rule and any consistency
 * model. The core calls it, under its lock, at three points:
 * <ol>
 *   <li>{@link #onSent} whenever it sends weights to a worker (a pull, or the weights in a push reply), or
 *       {@link #onSentRows} when it sends only some rows (a sparse reply);</li>
 *   <li>{@link #adjustGradient} when a validated gradient arrives, before the consistency model sees it;</li>
 *   <li>{@link #learningRateScale} for every update, to scale the schedule's learning rate.</li>
 * </ol>
 * In every consistency model here the weights do not change between a gradient's arrival and the update
 * that applies it (asynchronous models apply it on arrival; synchronous rounds only ever apply the round in
 * progress, and backup workers drop late gradients), so the staleness and weights seen at arrival are those
 * of the update.
 */
public interface StalenessCompensation {

    /** No correction. */
    StalenessCompensation NONE = new StalenessCompensation() {
        @Override
        public boolean changesUpdates() {
            return false;
        }

        @Override
        public String toString() {
            return "none";
        }
    };

    /** The server sent {@code weights} (live; copy what you keep) to worker {@code workerId}. */
    default void onSent(int workerId, float[] weights) {
    }

    /**
     * The server sent worker {@code workerId} only the rows {@code rows[0..n)}, row {@code rows[j]} with value
     * {@code values[j]} (the worker keeps its other rows as they were).
     */
    default void onSentRows(int workerId, int[] rows, int n, float[] values) {
    }

    /**
     * Corrects a gradient in place.
     *
     * @param staleness τ = current version − the version the gradient was computed on
     * @param weights   the server's current weights (live; do not modify)
     */
    default void adjustGradient(int workerId, long staleness, float[] gradient, float[] weights) {
    }

    /**
     * The factor the learning rate of the update taking {@code contributors} in is multiplied by.
     *
     * @param versionBefore the server version before this update (τ of a contributor = versionBefore − its base)
     */
    default float learningRateScale(List<Submission> contributors, long versionBefore) {
        return 1f;
    }

    /**
     * Whether this changes what is applied (a gradient or a learning rate); false for one that only measures
     * ({@link GapMeter}), which the optimizer's description leaves out and which leaves the sparse path of
     * the core as it is (sparse pushes on that path are not measured).
     */
    default boolean changesUpdates() {
        return true;
    }
}
