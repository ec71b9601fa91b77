package dev.momentumps.server.core;

import dev.momentumps.server.optim.GradientClipping;
import dev.momentumps.server.optim.LearningRateSchedule;
import dev.momentumps.server.optim.SparseUpdateRule;
import dev.momentumps.server.optim.UpdateRule;
import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.FiniteScan;
import java.nio.FloatBuffer;

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
    private FloatBuffer pendingBuffer;
    private final RangeExecutor.RangeTask blocksTask = this::applyBlocksRange;
    /** per applying thread: a block of the gradient being applied, and the finite check's scratch (16 KiB each) */
    private static final ThreadLocal<float[][]> BLOCK_SCRATCH =
            ThreadLocal.withInitial(() -> new float[][] {new float[FiniteScan.BLOCK], new float[FiniteScan.BLOCK]});

    /**
     * @param initial  the initial weights (copied)
     * @param clipNorm clip every gradient to this global L2 norm before the rule sees it; 0 disables
     */
    public ParameterStore(TensorLayout layout, float[] initial, UpdateRule rule, LearningRateSchedule schedule,
                          float clipNorm, RangeExecutor executor) {
        this(layout, initial, rule, schedule, clipNorm, executor, false);
    }

    /** @param handOver {@code initial} becomes the live weights, not copied (its caller will not touch it again) */
    ParameterStore(TensorLayout layout, float[] initial, UpdateRule rule, LearningRateSchedule schedule,
                   float clipNorm, RangeExecutor executor, boolean handOver) {
        if (initial.length != layout.numElements()) {
            throw RequestException.invalid("initial weights have " + initial.length + " elements, layout "
                    + layout + " has " + layout.numElements());
        }
        if (!(clipNorm >= 0)) {
            throw new IllegalArgumentException("clip norm must be >= 0, got " + clipNorm);
        }
        this.layout = layout;
        this.weights = handOver ? initial : initial.clone();
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
        if (clipNorm > 0) {
            GradientClipping.clipByGlobalNorm(gradient, clipNorm);
        }
        pending = gradient;
        update(applyTask, lrScale);
        pending = null;
    }

    /**
     * Whether {@link #applyBlocks} can apply a gradient: the rule takes gradient blocks and no clipping needs
     * the whole gradient's norm first.
     */
    public boolean appliesBlocks() {
        return clipNorm == 0 && rule.takesGradientBlocks();
    }

    /**
     * Applies one update with the gradient {@code gradient[0, n)}, which is not the server's (a worker's shared
     * region): each block of {@link FiniteScan#BLOCK} values is copied into a small scratch of the applying
     * thread, checked there, and applied from there, so what is applied is exactly what was checked even if
     * the buffer changes meanwhile; a value that is not finite there is applied as zero (the caller has
     * already applied the non-finite policy to the buffer, so only a sender that wrote it meanwhile gets
     * here). The gradient crosses memory once, with no model-sized copy. Requires {@link #appliesBlocks}.
     */
    public void applyBlocks(FloatBuffer gradient) {
        if (!appliesBlocks()) {
            throw new IllegalStateException(rule + " with clip norm " + clipNorm + " needs the whole gradient");
        }
        pendingBuffer = gradient;
        try {
            update(blocksTask, 1f);
        } finally {
            pendingBuffer = null;
        }
    }

    /** One step: every row caught up, {@code task} run over all elements, the version advanced. */
    private void update(RangeExecutor.RangeTask task, float lrScale) {
        settle();
        long step = version + 1;
        pendingLr = lrScale == 1f ? schedule.lr(step) : schedule.lr(step) * lrScale;
        pendingStep = step;
        executor.run(weights.length, task);
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

    private void applyBlocksRange(int from, int to) {
        float[][] scratch = BLOCK_SCRATCH.get();
        float[] block = scratch[0];
        FloatBuffer source = pendingBuffer;
        for (int at = from; at < to; at += FiniteScan.BLOCK) {
            int len = Math.min(FiniteScan.BLOCK, to - at);
            source.get(at, block, 0, len);
            if (!FiniteScan.allFinite(block, 0, len, scratch[1])) {
                PushChecks.zeroNonFinite(block, len);
            }
            rule.apply(weights, block, 0, at, at + len, pendingStep, pendingLr);
        }
    }
}
