package dev.momentumps.server.core;

import dev.momentumps.wire.StalenessStats;

/**
 * The server-wide counts: gradients applied and dropped, their staleness, the recent losses and the pushes
 * taken in by each transport path.
 */
final class UpdateCounters {
    static final int RECENT_LOSSES = 64;

    private final StalenessStats staleness = new StalenessStats(RequestBounds.STALENESS_BUCKETS);
    private final double[] recentLosses = new double[RECENT_LOSSES];
    private long lossesSeen;
    private long applied;
    private long dropped;
    private final java.util.Map<String, Long> pushesByPath = new java.util.LinkedHashMap<>();

    /** A loss a worker reported with a push (NaN: none). */
    void recordLoss(double loss) {
        if (!Double.isNaN(loss)) {
            recentLosses[(int) (lossesSeen++ % RECENT_LOSSES)] = loss;
        }
    }

    /** A push taken in by the transport path named {@code path} (null: not counted). */
    void taken(String path) {
        if (path != null) {
            pushesByPath.merge(path, 1L, Long::sum);
        }
    }

    /** The pushes taken in by each path, in the order the paths were first taken. */
    java.util.Map<String, Long> pushesByPath() {
        return new java.util.LinkedHashMap<>(pushesByPath);
    }

    /** The losses the recent-loss mean is over (up to 64), oldest first. */
    double[] recentLosses() {
        int n = (int) Math.min(lossesSeen, RECENT_LOSSES);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = recentLosses[(int) ((lossesSeen - n + i) % RECENT_LOSSES)];
        }
        return out;
    }

    /** A gradient applied with staleness {@code tau}. */
    void applied(long tau) {
        staleness.record(tau);
        applied++;
    }

    void dropped() {
        dropped++;
    }

    long appliedCount() {
        return applied;
    }

    long droppedCount() {
        return dropped;
    }

    StalenessStats staleness() {
        return staleness;
    }

    /**
     * The mean of the last (up to 64) losses reported, NaN before the first; summed oldest first, so a core
     * restored from {@link #recentLosses} gives the same mean to the bit.
     */
    double recentLoss() {
        int n = (int) Math.min(lossesSeen, RECENT_LOSSES);
        if (n == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += recentLosses[(int) ((lossesSeen - n + i) % RECENT_LOSSES)];
        }
        return sum / n;
    }

    /**
     * The counts a checkpoint kept: {@code losses} oldest first (the last 64 are kept; a checkpoint of format 2
     * or older has none), {@code byPath} the pushes by transport path (none in format 2 or older).
     */
    void restore(long applied, long dropped, long[] stalenessHistogram, double[] losses,
                 java.util.Map<String, Long> byPath) {
        this.applied = applied;
        this.dropped = dropped;
        staleness.restore(stalenessHistogram);
        java.util.Arrays.fill(recentLosses, 0);
        lossesSeen = 0;
        for (int i = Math.max(0, losses.length - RECENT_LOSSES); i < losses.length; i++) {
            recordLoss(losses[i]);
        }
        pushesByPath.clear();
        pushesByPath.putAll(byPath);
    }
}
