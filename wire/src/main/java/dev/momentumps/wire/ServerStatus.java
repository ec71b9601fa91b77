package dev.momentumps.wire;

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

        /** Equal counters, the histogram compared by content. */
        @Override
        public boolean equals(Object o) {
            return o instanceof Worker w && id == w.id && rank == w.rank && name.equals(w.name) && pushes == w.pushes
                    && alive == w.alive && Double.compare(meanStaleness, w.meanStaleness) == 0
                    && maxStaleness == w.maxStaleness && java.util.Arrays.equals(stalenessHistogram, w.stalenessHistogram);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(id, rank, name, pushes, alive, meanStaleness, maxStaleness)
                    * 31 + java.util.Arrays.hashCode(stalenessHistogram);
        }

        @Override
        public String toString() {
            return "Worker[id=" + id + ", rank=" + rank + ", name=" + name + ", pushes=" + pushes + ", alive=" + alive
                    + ", meanStaleness=" + meanStaleness + ", maxStaleness=" + maxStaleness + ", stalenessHistogram="
                    + java.util.Arrays.toString(stalenessHistogram) + "]";
        }
    }
}
