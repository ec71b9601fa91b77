package dev.momentumps.server.core;

import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.codec.FiniteScan;
import java.util.Objects;

/**
 * The checks a push passes before anything changes, and the {@link NonFinitePolicy} for NaN and ±Inf. A
 * failed check is a {@link RequestException} naming the field; nothing here changes the server's state.
 */
final class PushChecks {
    private volatile NonFinitePolicy policy = NonFinitePolicy.REJECT;

    void setPolicy(NonFinitePolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    NonFinitePolicy policy() {
        return policy;
    }

    /**
     * Applies the policy to a dense gradient: REJECT refuses a non-finite value naming its index, ZERO
     * zeroes them in place, SKIP leaves them. Reads only the caller's array, so it runs before the core's
     * lock. @return whether the push is to be taken in but dropped (SKIP with a non-finite value)
     */
    boolean screen(float[] gradient) {
        return switch (policy) {
            case REJECT -> {
                requireFinite(gradient, "gradient");
                yield false;
            }
            case SKIP -> !allFinite(gradient);
            case ZERO -> {
                zeroNonFinite(gradient);
                yield false;
            }
        };
    }

    /** For sparse values: REJECT refuses a non-finite value naming its row (before anything else). */
    void rejectSparse(int[] rows, float[] values) {
        if (policy == NonFinitePolicy.REJECT) {
            SparseRows.requireFinite(rows, values);
        }
    }

    /** For sparse values {@link #rejectSparse} let through: @return whether to drop them (SKIP) */
    boolean screenSparse(float[] values) {
        NonFinitePolicy p = policy;
        boolean skip = p == NonFinitePolicy.SKIP && !allFinite(values);
        if (p == NonFinitePolicy.ZERO) {
            zeroNonFinite(values);
        }
        return skip;
    }

    /** The checks every push of {@code w} shares: its base version, sequence and batch size. */
    static void check(WorkerRecord w, ParameterStore s, long baseVersion, long sequence, int batchSize) {
        if (baseVersion < 0 || baseVersion > s.version()) {
            throw new RequestException(RequestException.Reason.OUT_OF_RANGE, "base_version " + baseVersion
                    + " is not in [0, " + s.version() + "] (the server's current version)");
        }
        if (sequence <= w.lastSequence) {
            throw new RequestException(RequestException.Reason.ALREADY_EXISTS, "sequence " + sequence
                    + " of worker " + w.id + " was already pushed (last was " + w.lastSequence + ")");
        }
        if (batchSize < 0) {
            throw RequestException.invalid("batch_size must be >= 0, got " + batchSize);
        }
    }

    /** A dense gradient has exactly the model's elements. */
    static void checkLength(float[] gradient, ParameterStore s) {
        if (gradient.length != s.numElements()) {
            throw RequestException.invalid("gradient has " + gradient.length + " elements, model has "
                    + s.numElements() + " (" + s.layout() + ")");
        }
    }

    /** True when no value is NaN or ±Inf (see {@link FiniteScan} for how, and why that way). */
    static boolean allFinite(float[] values) {
        return FiniteScan.allFinite(values);
    }

    static void zeroNonFinite(float[] values) {
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (v - v != 0) {
                values[i] = 0f;
            }
        }
    }

    /** Refuses the first non-finite value, naming {@code field} and its index. */
    static void requireFinite(float[] values, String field) {
        if (allFinite(values)) {
            return;
        }
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (v - v != 0) {
                throw RequestException.invalid(field + "[" + i + "] is " + v + ": only finite values are accepted");
            }
        }
    }
}
