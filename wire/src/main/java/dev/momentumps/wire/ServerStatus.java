package dev.momentumps.wire;

import java.util.List;
import java.util.Map;

/**
 * A consistent snapshot of the server's counters, taken under its lock.
 *
 * @param updateRule   the update rule with its hyper-parameters, then the staleness compensation in force
 *                     if any ({@code momentum(lr=0.05, beta=0.9) + dc-asgd-c(lambda=2.0)})
 * @param pushesByPath the pushes that arrived by each path of a transport, by the path's name (empty in
 *                     the server's own process: the core knows no transport)
 */
public record ServerStatus(long version, long gradientsApplied, long gradientsDropped, boolean initialized,
                           ConsistencyKind mode, int stalenessBound, String updateRule, int numElements,
                           List<Worker> workers, StalenessStats staleness, double recentLoss,
                           Map<String, Long> pushesByPath) {

    public ServerStatus {
        pushesByPath = Map.copyOf(pushesByPath);
    }

    /** Without pushes counted by path (a server's own process, where the core knows no transport). */
    public ServerStatus(long version, long gradientsApplied, long gradientsDropped, boolean initialized,
                        ConsistencyKind mode, int stalenessBound, String updateRule, int numElements,
                        List<Worker> workers, StalenessStats staleness, double recentLoss) {
        this(version, gradientsApplied, gradientsDropped, initialized, mode, stalenessBound, updateRule, numElements,
                workers, staleness, recentLoss, Map.of());
    }

    /** The same counters with the pushes counted by path. */
    public ServerStatus withPushesByPath(Map<String, Long> counts) {
        return new ServerStatus(version, gradientsApplied, gradientsDropped, initialized, mode, stalenessBound,
                updateRule, numElements, workers, staleness, recentLoss, counts);
    }

    /** The same counters with these workers (a client puts the pages of a status together). */
    public ServerStatus withWorkers(List<Worker> all) {
        return new ServerStatus(version, gradientsApplied, gradientsDropped, initialized, mode, stalenessBound,
                updateRule, numElements, List.copyOf(all), staleness, recentLoss, pushesByPath);
    }

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
