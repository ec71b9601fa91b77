package dev.momentumps.wire;

import java.util.Arrays;

/**
 * Counts of staleness τ = (server version when a gradient is applied) − (version it was computed on):
 * a histogram, mean and max. Not thread-safe; the core updates it under its lock.
 */
public final class StalenessStats {
    private long[] histogram = new long[16];
    private long count;
    private long sum;
    private long max;

    public void record(long staleness) {
        if (staleness < 0) {
            throw new IllegalArgumentException("staleness must be >= 0, got " + staleness);
        }
        if (staleness >= histogram.length) {
            histogram = Arrays.copyOf(histogram, (int) Math.max(staleness + 1, 2L * histogram.length));
        }
        histogram[(int) staleness]++;
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

    /** histogram()[k] = number of gradients applied with staleness k, up to the max seen. */
    public long[] histogram() {
        return Arrays.copyOf(histogram, count == 0 ? 0 : (int) max + 1);
    }

    /** Counts rebuilt from a histogram (as a status reply carries it). */
    public static StalenessStats fromHistogram(long[] counts) {
        StalenessStats s = new StalenessStats();
        s.histogram = Arrays.copyOf(counts, Math.max(16, counts.length));
        for (int k = 0; k < counts.length; k++) {
            if (counts[k] < 0) {
                throw new IllegalArgumentException("histogram[" + k + "] is negative: " + counts[k]);
            }
            s.count += counts[k];
            s.sum += k * counts[k];
            if (counts[k] > 0) {
                s.max = k;
            }
        }
        return s;
    }

    /** Replaces these counts by those of a histogram (a checkpoint's). */
    public void restore(long[] counts) {
        StalenessStats s = fromHistogram(counts);
        histogram = s.histogram;
        count = s.count;
        sum = s.sum;
        max = s.max;
    }

    public StalenessStats copy() {
        StalenessStats c = new StalenessStats();
        c.histogram = histogram.clone();
        c.count = count;
        c.sum = sum;
        c.max = max;
        return c;
    }
}
