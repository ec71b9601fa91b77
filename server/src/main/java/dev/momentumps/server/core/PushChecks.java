package dev.momentumps.server.core;

import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.codec.FiniteScan;
import java.nio.FloatBuffer;
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

    /**
     * The policy's decision for a gradient read where a transport holds it ({@code values[0, n)}, which its
     * sender could still change): REJECT refuses a non-finite value naming its index, SKIP reports it;
     * ZERO changes nothing here, since the buffer is not the core's: every value is checked again as the
     * core applies it, block by block, and a non-finite one is applied as zero ({@link #zeroNonFinite(float[], int)}).
     * Reads only the buffer, so it runs before the core's lock.
     * @return whether the push is to be taken in but dropped (SKIP with a non-finite value)
     */
    boolean screen(FloatBuffer values, int n) {
        NonFinitePolicy p = policy;
        if (p == NonFinitePolicy.ZERO || FiniteScan.allFinite(values, 0, n, new float[FiniteScan.BLOCK])) {
            return false;
        }
        if (p == NonFinitePolicy.SKIP) {
            return true;
        }
        for (int i = 0; i < n; i++) {
            float v = values.get(i);
            if (v - v != 0) {
                throw RequestException.invalid("gradient[" + i + "] is " + v + ": only finite values are accepted");
            }
        }
        return false; // the sender made the value finite again meanwhile: what is applied is checked again
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
    static void checkLength(int length, ParameterStore s) {
        if (length != s.numElements()) {
            throw RequestException.invalid("gradient has " + length + " elements, model has "
                    + s.numElements() + " (" + s.layout() + ")");
        }
    }

    /** True when no value is NaN or ±Inf (see {@link FiniteScan} for how, and why that way). */
    static boolean allFinite(float[] values) {
        return FiniteScan.allFinite(values);
    }

    static void zeroNonFinite(float[] values) {
        zeroNonFinite(values, values.length);
    }

    /** Zeroes the NaN and ±Inf values of {@code values[0, n)}. */
    static void zeroNonFinite(float[] values, int n) {
        for (int i = 0; i < n; i++) {
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
