package dev.momentumps.worker.client;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the workers' gradients cost on the worker → server path: pushes, how many went sparse, and the
 * payload bytes (values, plus 4-byte indices for sparse pushes; message framing not counted). Shared by
 * the workers of one process; thread-safe.
 */
public final class WireStats {
    private final LongAdder pushes = new LongAdder();
    private final LongAdder sparsePushes = new LongAdder();
    private final LongAdder entries = new LongAdder();
    private final LongAdder bytes = new LongAdder();

    void record(boolean sparse, long entriesSent, long payloadBytes) {
        pushes.increment();
        if (sparse) {
            sparsePushes.increment();
        }
        entries.add(entriesSent);
        bytes.add(payloadBytes);
    }

    public long pushes() {
        return pushes.sum();
    }

    public long sparsePushes() {
        return sparsePushes.sum();
    }

    /** Gradient values sent, over all pushes. */
    public long entries() {
        return entries.sum();
    }

    public long bytes() {
        return bytes.sum();
    }

    @Override
    public String toString() {
        long p = pushes();
        return String.format(Locale.ROOT, "%d pushes (%d sparse), %d gradient payload bytes (%.1f per push), "
                + "%.1f values per push", p, sparsePushes(), bytes(), p == 0 ? 0.0 : (double) bytes() / p,
                p == 0 ? 0.0 : (double) entries() / p);
    }
}
