package dev.momentumps.server.compensation;

import dev.momentumps.server.consistency.Submission;
import java.util.List;

/** Several compensations in order: gradients pass through each, learning-rate factors multiply. */
public final class Compensations implements StalenessCompensation {
    private final List<StalenessCompensation> parts;

    private Compensations(List<StalenessCompensation> parts) {
        this.parts = List.copyOf(parts);
    }

    /** {@link StalenessCompensation#NONE} for none, the one itself for one, else their composition. */
    public static StalenessCompensation of(List<StalenessCompensation> parts) {
        if (parts.isEmpty()) {
            return NONE;
        }
        return parts.size() == 1 ? parts.get(0) : new Compensations(parts);
    }

    /**
     * The parts of {@code c}: its parts if it is a composition, else {@code c} alone. The core checkpoints
     * every part that is {@link dev.momentumps.server.core.Checkpointable}.
     */
    public static List<StalenessCompensation> partsOf(StalenessCompensation c) {
        return c instanceof Compensations composed ? composed.parts : List.of(c);
    }

    @Override
    public void onSent(int workerId, float[] weights) {
        for (StalenessCompensation p : parts) {
            p.onSent(workerId, weights);
        }
    }

    @Override
    public void onSentRows(int workerId, int[] rows, int n, float[] values) {
        for (StalenessCompensation p : parts) {
            p.onSentRows(workerId, rows, n, values);
        }
    }

    @Override
    public void adjustGradient(int workerId, long staleness, float[] gradient, float[] weights) {
        for (StalenessCompensation p : parts) {
            p.adjustGradient(workerId, staleness, gradient, weights);
        }
    }

    @Override
    public float learningRateScale(List<Submission> contributors, long versionBefore) {
        float scale = 1f;
        for (StalenessCompensation p : parts) {
            scale *= p.learningRateScale(contributors, versionBefore);
        }
        return scale;
    }

    @Override
    public boolean changesUpdates() {
        for (StalenessCompensation p : parts) {
            if (p.changesUpdates()) {
                return true;
            }
        }
        return false;
    }

    /** The parts that change updates, joined by " + " (the ones that only measure are left out). */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (StalenessCompensation p : parts) {
            if (p.changesUpdates()) {
                b.append(b.length() == 0 ? "" : " + ").append(p);
            }
        }
        return b.toString();
    }
}
