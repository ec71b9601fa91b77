package dev.momentumps.server.core;

import dev.momentumps.wire.StalenessStats;

/** The server-wide counts: gradients applied and dropped, their staleness, and the recent losses. */
final class UpdateCounters {
    private static final int RECENT_LOSSES = 64;

    private final StalenessStats staleness = new StalenessStats(RequestBounds.STALENESS_BUCKETS);
    private final double[] recentLosses = new double[RECENT_LOSSES];
    private long lossesSeen;
    private long applied;
    private long dropped;

    /** A loss a worker reported with a push (NaN: none). */
    void recordLoss(double loss) {
        if (!Double.isNaN(loss)) {
            recentLosses[(int) (lossesSeen++ % RECENT_LOSSES)] = loss;
        }
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

    /** The mean of the last (up to 64) losses reported, NaN before the first. */
    double recentLoss() {
        int n = (int) Math.min(lossesSeen, RECENT_LOSSES);
        if (n == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += recentLosses[i];
        }
        return sum / n;
    }

    /** The counts a checkpoint kept (losses are not kept). */
    void restore(long applied, long dropped, long[] stalenessHistogram) {
        this.applied = applied;
        this.dropped = dropped;
        staleness.restore(stalenessHistogram);
    }
}
