package dev.momentumps.server.core;

import dev.momentumps.server.optim.GradientClipping;
import dev.momentumps.server.optim.LearningRateSchedule;
import dev.momentumps.server.optim.SparseUpdateRule;
import dev.momentumps.server.optim.UpdateRule;
import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.TensorLayout;

/**
 * The parameters: one flat float32 vector laid out by a {@link TensorLayout}, the update rule that owns
 * the optimizer state, and a version that counts the updates applied (it only ever grows).
 *
 * <p>Not thread-safe: the core serialises access. Applying an update is a plain loop over float[], split
 * over several threads for big vectors by {@link RangeExecutor}.
 */
public final class ParameterStore {
    private final TensorLayout layout;
    private final float[] weights;
    private final UpdateRule rule;
    private final LearningRateSchedule schedule;
    private final float clipNorm;
    private final RangeExecutor executor;
    private long version;

    // the arguments of the update in flight, read by the range task
    private float[] pending;
    private float pendingLr;
    private long pendingStep;
    private final RangeExecutor.RangeTask applyTask = this::applyRange;

    /**
     * @param initial  the initial weights (copied)
     * @param clipNorm clip every gradient to this global L2 norm before the rule sees it; 0 disables
     */
    public ParameterStore(TensorLayout layout, float[] initial, UpdateRule rule, LearningRateSchedule schedule,
                          float clipNorm, RangeExecutor executor) {
        if (initial.length != layout.numElements()) {
            throw RequestException.invalid("initial weights have " + initial.length + " elements, layout "
                    + layout + " has " + layout.numElements());
        }
        if (!(clipNorm >= 0)) {
            throw new IllegalArgumentException("clip norm must be >= 0, got " + clipNorm);
        }
        this.layout = layout;
        this.weights = initial.clone();
        this.rule = rule;
        this.schedule = schedule;
        this.clipNorm = clipNorm;
        this.executor = executor;
        rule.initialize(weights.length);
    }

    public TensorLayout layout() {
        return layout;
    }

    public int numElements() {
        return weights.length;
    }

    public long version() {
        return version;
    }

    public UpdateRule rule() {
        return rule;
    }

    /**
     * The live weights, every row caught up ({@link #settle}); callers copy what they need while they hold
     * the core's lock.
     */
    public float[] weights() {
        settle();
        return weights;
    }

    /** Whether the rule can apply a sparse gradient lazily (else the core scatters it into a dense one). */
    public boolean supportsSparse() {
        return rule instanceof SparseUpdateRule;
    }

    /**
     * Applies one lazy update to the rows {@code rows[0..n)} with the values {@code values[0..n)} (which
     * the rule may overwrite) and advances the version. The caller has validated rows (in range, strictly
     * increasing) and values (finite). Clipping sees the n values, whose L2 norm is the dense gradient's.
     */
    public void applySparse(int[] rows, float[] values, int n, float lrScale) {
        long step = version + 1;
        if (clipNorm > 0) {
            GradientClipping.clipByGlobalNorm(values, 0, n, clipNorm);
        }
        float lr = lrScale == 1f ? schedule.lr(step) : schedule.lr(step) * lrScale;
        ((SparseUpdateRule) rule).applySparse(weights, rows, values, n, step, lr);
        version = step;
    }

    /** The learning rate the next update will use (the schedule's at the next version). */
    public float nextLr() {
        return schedule.lr(version + 1);
    }

    /** Brings the rows {@code rows[0..n)} up to the current version (a sparse reply reads only those). */
    public void settleRows(int[] rows, int n) {
        if (rule instanceof SparseUpdateRule r && r.lagging() && version > 0) {
            r.settle(weights, rows, n, version, schedule.lr(version));
        }
    }

    /** The weight of one row, not caught up: call {@link #settleRows} first. */
    public float weightAt(int row) {
        return weights[row];
    }

    /** Brings every row up to the current version (lazy rules leave skipped rows behind). */
    public void settle() {
        if (rule instanceof SparseUpdateRule r && r.lagging() && version > 0) {
            r.settle(weights, null, 0, version, schedule.lr(version));
        }
    }

    /**
     * Applies one update with {@code gradient} (which the rule may overwrite) and advances the version.
     * The caller has validated its length and values.
     */
    public void apply(float[] gradient) {
        apply(gradient, 1f);
    }

    /** As {@link #apply(float[])}, with the schedule's learning rate multiplied by {@code lrScale}. */
    public void apply(float[] gradient, float lrScale) {
        settle();
        long step = version + 1;
        if (clipNorm > 0) {
            GradientClipping.clipByGlobalNorm(gradient, clipNorm);
        }
        pending = gradient;
        pendingLr = lrScale == 1f ? schedule.lr(step) : schedule.lr(step) * lrScale;
        pendingStep = step;
        executor.run(weights.length, applyTask);
        pending = null;
        version = step;
        if (rule instanceof SparseUpdateRule r) {
            r.onDenseStep(step);
        }
    }

    /**
     * Continues from a checkpointed version: the store was built with the checkpoint's weights, and the
     * core copies the rule's state vectors back itself.
     */
    public void resumeAt(long savedVersion) {
        version = savedVersion;
        if (rule instanceof SparseUpdateRule r) {
            r.onDenseStep(savedVersion);
        }
    }

    private void applyRange(int from, int to) {
        rule.apply(weights, pending, from, to, pendingStep, pendingLr);
    }
}
