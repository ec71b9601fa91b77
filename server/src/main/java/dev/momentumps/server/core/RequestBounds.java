package dev.momentumps.server.core;

import dev.momentumps.wire.RequestException;
import java.nio.charset.StandardCharsets;

/**
 * The bounds every request field is held to, checked before anything is stored or allocated for it. A value
 * over its bound is refused as {@link RequestException.Reason#INVALID_ARGUMENT} with a message that names the
 * field, its size and the bound.
 *
 * <p>{@link #MAX_NAME_BYTES}: a worker's name is a label for logs, status and checkpoints. Bounding it keeps a
 * status reply of many workers small and lets every name fit any checkpoint.
 *
 * <p>{@link #WORKER_STALENESS_BUCKETS} and {@link #STALENESS_BUCKETS}: the staleness histograms a status reply
 * carries, one per worker and one over all gradients, have a fixed number of buckets whose last counts the
 * tail, so neither the server's memory nor a status page grows with the length of a run (a worker that pushes
 * on weights a million versions old adds one count, not a million buckets). The mean and max beside each stay
 * exact.
 */
public final class RequestBounds {
    /** The longest worker name, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 256;
    /** Buckets of a worker's staleness histogram: τ = 0 … 1022 each, the last τ ≥ 1023. */
    public static final int WORKER_STALENESS_BUCKETS = 1024;
    /** Buckets of the histogram over all gradients: τ = 0 … 65534 each, the last τ ≥ 65535. */
    public static final int STALENESS_BUCKETS = 1 << 16;

    private RequestBounds() {
    }

    /** Refuses a name longer than {@link #MAX_NAME_BYTES} UTF-8 bytes; {@code field} names it in the message. */
    public static void checkName(String field, String name) {
        if (name == null) {
            return;
        }
        // a UTF-8 encoding has at most 3 bytes per UTF-16 char: short strings need no encoding to pass
        if (name.length() * 3L > MAX_NAME_BYTES) {
            int bytes = name.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_NAME_BYTES) {
                throw RequestException.invalid(field + " is " + bytes + " bytes (UTF-8), at most "
                        + MAX_NAME_BYTES + " allowed");
            }
        }
    }
}
