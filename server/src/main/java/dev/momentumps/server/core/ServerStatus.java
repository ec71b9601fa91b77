package dev.momentumps.server.core;

import dev.momentumps.server.consistency.ConsistencyKind;
import java.util.List;

/** A consistent snapshot of the server's counters, taken under its lock. */
public record ServerStatus(long version, long gradientsApplied, long gradientsDropped, boolean initialized,
                           ConsistencyKind mode, int stalenessBound, String updateRule, int numElements,
                           List<Worker> workers, StalenessStats staleness, double recentLoss) {

    /** One worker's counters; {@code stalenessHistogram[k]} counts its gradients applied with staleness k. */
    public record Worker(int id, int rank, String name, long pushes, boolean alive, double meanStaleness,
                         long maxStaleness, long[] stalenessHistogram) {

        /** Without a histogram. */
        public Worker(int id, int rank, String name, long pushes, boolean alive, double meanStaleness,
                      long maxStaleness) {
            this(id, rank, name, pushes, alive, meanStaleness, maxStaleness, new long[0]);
        }
    }
}
