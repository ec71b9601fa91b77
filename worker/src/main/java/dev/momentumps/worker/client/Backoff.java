package dev.momentumps.worker.client;

import java.util.Random;

/**
 * Bounded exponential backoff with jitter: the k-th wait (k from 0) is drawn uniformly from
 * {@code [d/2, d]} with {@code d = min(max, initial * 2^k)}, so retrying workers spread out instead of
 * hitting a restarted server all at once, and no wait exceeds {@code max}.
 */
public final class Backoff {
    private final long initialMillis;
    private final long maxMillis;
    private final Random random;
    private int attempt;

    public Backoff(long initialMillis, long maxMillis, long seed) {
        if (initialMillis < 1 || maxMillis < initialMillis) {
            throw new IllegalArgumentException("backoff needs 1 <= initial <= max, got " + initialMillis + ", "
                    + maxMillis);
        }
        this.initialMillis = initialMillis;
        this.maxMillis = maxMillis;
        this.random = new Random(seed);
    }

    /** The next wait in ms. */
    public long next() {
        long d = attempt >= 40 ? maxMillis : Math.min(maxMillis, initialMillis << attempt);
        attempt++;
        return d / 2 + (long) (random.nextDouble() * (d - d / 2 + 1));
    }

    /** Back to the first, shortest wait (after a success). */
    public void reset() {
        attempt = 0;
    }
}
