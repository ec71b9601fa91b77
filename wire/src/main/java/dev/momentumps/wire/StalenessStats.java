package dev.momentumps.wire;

import java.util.Arrays;

/**
 * Counts of staleness τ = (server version when a gradient is applied) − (version it was computed on):
 * a histogram, mean and max. Not thread-safe; the core updates it under its lock.
 *
 * <p>A bounded histogram ({@link #StalenessStats(int)}) has at most {@code buckets} buckets: bucket k counts
 * τ = k for k below the last, and the last counts every τ ≥ {@code buckets − 1}. The count, mean and max stay
 * exact whatever the τ; only where the tail's values lay is not kept. A server's counters are bounded so
 * that neither its memory nor its status replies grow with the length of a run.
 */
public final class StalenessStats {
    private final int buckets;
    private long[] histogram = new long[16];
    private long count;
    private long sum;
    private long max;

    /** A histogram as long as the largest τ seen (a simulation's own counts). */
    public StalenessStats() {
        this(Integer.MAX_VALUE - 8);
    }

    /** @param buckets the most buckets the histogram has; the last counts every τ ≥ {@code buckets − 1} */
    public StalenessStats(int buckets) {
        if (buckets < 2) {
            throw new IllegalArgumentException("a staleness histogram needs at least 2 buckets, got " + buckets);
        }
        this.buckets = buckets;
    }

    public void record(long staleness) {
        if (staleness < 0) {
            throw new IllegalArgumentException("staleness must be >= 0, got " + staleness);
        }
        int k = (int) Math.min(staleness, buckets - 1);
        if (k >= histogram.length) {
            histogram = Arrays.copyOf(histogram, (int) Math.min(buckets, Math.max(k + 1L, 2L * histogram.length)));
        }
        histogram[k]++;
        count++;
        sum += staleness;
        max = Math.max(max, staleness);
    }

    public long count() {
        return count;
    }

    public double mean() {
        return count == 0 ? 0 : (double) sum / count;
    }

    public long max() {
        return max;
    }

    /** The most buckets {@link #histogram()} has. */
    public int buckets() {
        return buckets;
    }

    /**
     * histogram()[k] = number of gradients applied with staleness k, up to the max seen; in a bounded
     * histogram the last of {@link #buckets()} counts every staleness from its index on.
     */
    public long[] histogram() {
        return Arrays.copyOf(histogram, count == 0 ? 0 : (int) Math.min(max, buckets - 1) + 1);
    }

    /** Counts rebuilt from a histogram in which bucket k counts staleness k. */
    public static StalenessStats fromHistogram(long[] counts) {
        StalenessStats s = new StalenessStats();
        s.fill(counts);
        return s;
    }

    /**
     * Counts rebuilt from a histogram whose last bucket may hold a tail (as a status reply carries it), with
     * the exact mean and max sent beside it.
     */
    public static StalenessStats fromHistogram(long[] counts, double mean, long max) {
        StalenessStats s = fromHistogram(counts);
        if (max > s.max) {
            s.max = max;
            s.sum = Math.round(mean * s.count);
        }
        return s;
    }

    private void fill(long[] counts) {
        histogram = new long[Math.max(16, (int) Math.min(buckets, counts.length))];
        count = 0;
        sum = 0;
        max = 0;
        for (int k = 0; k < counts.length; k++) {
            if (counts[k] < 0) {
                throw new IllegalArgumentException("histogram[" + k + "] is negative: " + counts[k]);
            }
            histogram[Math.min(k, buckets - 1)] += counts[k];
            count += counts[k];
            sum += k * counts[k];
            if (counts[k] > 0) {
                max = k;
            }
        }
    }

    /**
     * Replaces these counts by those of a histogram (a checkpoint's); a longer one than this histogram's
     * bound is folded into its last bucket.
     */
    public void restore(long[] counts) {
        fill(counts);
    }

    public StalenessStats copy() {
        StalenessStats c = new StalenessStats(buckets);
        c.histogram = histogram.clone();
        c.count = count;
        c.sum = sum;
        c.max = max;
        return c;
    }
}
