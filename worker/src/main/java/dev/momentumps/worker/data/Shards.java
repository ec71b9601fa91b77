package dev.momentumps.worker.data;

/**
 * Splits {@code n} rows into {@code workers} contiguous shards: rank {@code r} gets
 * {@code [from, to)}, sizes differing by at most one (the first {@code n % workers} shards get the extra row).
 */
public final class Shards {

    /** A contiguous row range {@code [from, to)}. */
    public record Range(int from, int to) {
        public int size() {
            return to - from;
        }
    }

    private Shards() {
    }

    /** The rows of shard {@code rank} of {@code workers}. */
    public static Range range(int n, int workers, int rank) {
        if (n < 0) {
            throw new IllegalArgumentException("rows must be >= 0, got " + n);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        if (rank < 0 || rank >= workers) {
            throw new IllegalArgumentException("rank " + rank + " outside 0.." + (workers - 1));
        }
        int base = n / workers;
        int extra = n % workers;
        int from = rank * base + Math.min(rank, extra);
        return new Range(from, from + base + (rank < extra ? 1 : 0));
    }

    /** Shard {@code rank} of {@code workers} of {@code data}, sharing its storage. */
    public static Dataset shard(Dataset data, int workers, int rank) {
        Range r = range(data.rows(), workers, rank);
        return data.slice(r.from(), r.to());
    }
}
