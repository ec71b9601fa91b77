package dev.momentumps.server.core;

import dev.momentumps.server.consistency.Clocks;
import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.config.ConfigKeys;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The registered workers and their leases: ids in registration order, a returning rank gets its old record
 * back, a worker not heard from for a lease is found expired. It is also the consistency models' view of
 * the workers' clocks (a worker's clock is its count of pushes). Used only under the core's lock.
 */
final class WorkerRegistry implements Clocks {
    private final List<WorkerRecord> workers = new ArrayList<>();
    /** live workers at most ({@code mps.maxWorkers}) */
    private final int maxWorkers = ConfigKeys.MAX_WORKERS.getInt();

    /**
     * The record of a registering worker: a gone record of the same rank comes back alive (its clock and
     * staleness counts kept, its push sequence afresh), else a new one. Refuses a bad rank or name, and
     * (RESOURCE_EXHAUSTED) a worker beyond {@code mps.maxWorkers} live ones.
     */
    WorkerRecord register(int rank, String name) {
        if (rank < 0) {
            throw RequestException.invalid("rank must be >= 0, got " + rank);
        }
        RequestBounds.checkName("name", name);
        if (liveWorkers() >= maxWorkers) {
            throw new RequestException(RequestException.Reason.RESOURCE_EXHAUSTED, "the server already has "
                    + maxWorkers + " workers registered (" + ConfigKeys.MAX_WORKERS.name()
                    + "); register again once one deregisters or its lease expires");
        }
        long now = System.nanoTime();
        for (WorkerRecord old : workers) {
            if (!old.alive && old.rank == rank) {
                old.alive = true;
                old.lastSequence = 0;
                old.lastSeenNanos = now;
                return old;
            }
        }
        WorkerRecord w = new WorkerRecord(workers.size(), rank, name == null ? "" : name, now);
        workers.add(w);
        return w;
    }

    /**
     * A hot standby took over ({@link ParameterServerCore#takeOver}): every lease starts afresh and every live
     * worker may take its record back ({@link #reclaim}).
     */
    void takeOver() {
        long now = System.nanoTime();
        for (WorkerRecord w : workers) {
            w.lastSeenNanos = now;
            w.reclaimable = w.alive;
        }
    }

    /**
     * The live record of this rank that a worker takes back after a standby took over, with its id, clock and
     * last sequence number; null when there is none (then the worker registers as usual).
     */
    WorkerRecord reclaim(int rank) {
        for (WorkerRecord w : workers) {
            if (w.reclaimable && w.rank == rank) {
                w.reclaimable = false;
                w.lastSeenNanos = System.nanoTime();
                return w;
            }
        }
        return null;
    }

    /** The worker's record; NOT_FOUND for an id never registered. */
    WorkerRecord get(int workerId) {
        if (workerId < 0 || workerId >= workers.size()) {
            throw new RequestException(RequestException.Reason.NOT_FOUND,
                    "worker_id: no worker " + workerId + " is registered (register first)");
        }
        return workers.get(workerId);
    }

    /** The record of a worker that may push: registered and not gone. */
    WorkerRecord live(int workerId) {
        WorkerRecord w = get(workerId);
        if (!w.alive) {
            throw new RequestException(RequestException.Reason.FAILED_PRECONDITION,
                    "worker_id: worker " + workerId + " has left; register again");
        }
        return w;
    }

    /** A sign of life: renews the worker's lease. */
    void touch(WorkerRecord w) {
        w.lastSeenNanos = System.nanoTime();
    }

    /** The ids of live workers not heard from for {@code leaseNanos}, ascending. */
    int[] expired(long leaseNanos) {
        long now = System.nanoTime();
        int[] gone = new int[workers.size()];
        int n = 0;
        for (WorkerRecord w : workers) {
            if (w.alive && now - w.lastSeenNanos > leaseNanos) {
                gone[n++] = w.id;
            }
        }
        return Arrays.copyOf(gone, n);
    }

    boolean isEmpty() {
        return workers.isEmpty();
    }

    int size() {
        return workers.size();
    }

    List<ServerStatus.Worker> status() {
        List<ServerStatus.Worker> ws = new ArrayList<>(workers.size());
        for (WorkerRecord w : workers) {
            ws.add(new ServerStatus.Worker(w.id, w.rank, w.name, w.pushes, w.alive, w.staleness.mean(),
                    w.staleness.max(), w.staleness.histogram()));
        }
        return List.copyOf(ws);
    }

    List<CoreSnapshot.WorkerState> snapshot() {
        List<CoreSnapshot.WorkerState> ws = new ArrayList<>(workers.size());
        for (WorkerRecord w : workers) {
            ws.add(new CoreSnapshot.WorkerState(w.id, w.rank, w.name, w.pushes, w.lastSequence, w.alive,
                    w.staleness.histogram()));
        }
        return List.copyOf(ws);
    }

    /** Puts saved workers back, not alive: each registers again and gets its id, clock and counts back. */
    void restore(List<CoreSnapshot.WorkerState> saved) {
        long now = System.nanoTime();
        for (CoreSnapshot.WorkerState s : saved) {
            WorkerRecord w = new WorkerRecord(s.id(), s.rank(), s.name(), now);
            w.pushes = s.pushes();
            w.lastSequence = s.lastSequence();
            w.alive = false;
            w.staleness.restore(s.stalenessHistogram());
            workers.add(w);
        }
    }

    @Override
    public long clock(int workerId) {
        return workers.get(workerId).pushes;
    }

    @Override
    public long minLiveClock() {
        long min = Long.MAX_VALUE;
        for (WorkerRecord w : workers) {
            if (w.alive) {
                min = Math.min(min, w.pushes);
            }
        }
        return min == Long.MAX_VALUE ? 0 : min;
    }

    @Override
    public int liveWorkers() {
        int n = 0;
        for (WorkerRecord w : workers) {
            if (w.alive) {
                n++;
            }
        }
        return n;
    }

    @Override
    public int[] liveWorkerIds() {
        int[] ids = new int[liveWorkers()];
        int k = 0;
        for (WorkerRecord w : workers) {
            if (w.alive) {
                ids[k++] = w.id;
            }
        }
        return ids;
    }
}
