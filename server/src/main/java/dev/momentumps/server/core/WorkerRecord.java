package dev.momentumps.server.core;

import dev.momentumps.wire.StalenessStats;

/** What the server knows of one registered worker. Mutated only under the core's lock. */
final class WorkerRecord {
    final int id;
    final int rank;
    final String name;
    final StalenessStats staleness = new StalenessStats(RequestBounds.WORKER_STALENESS_BUCKETS);
    long pushes;
    long lastSequence;
    boolean alive = true;
    long lastSeenNanos;
    /** a standby took over while this worker was alive: its next Register under this rank gets it back */
    boolean reclaimable;

    WorkerRecord(int id, int rank, String name, long now) {
        this.id = id;
        this.rank = rank;
        this.name = name;
        this.lastSeenNanos = now;
    }
}
