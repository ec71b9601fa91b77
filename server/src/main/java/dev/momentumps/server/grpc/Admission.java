package dev.momentumps.server.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.HashMap;
import java.util.Map;

/**
 * Admission control for the memory requests hold while their frames arrive: a Push stream holds a
 * model-sized gradient (or its sparse rows), an Initialize the model's weights, from its validated header to
 * its end. Each is admitted before anything is allocated for it, against two bounds:
 *
 * <ul>
 *   <li>a budget of bytes held across every stream in flight ({@code mps server --inflight-mib}); a stream
 *       that would pass it is refused with RESOURCE_EXHAUSTED, so streams that never finish (half-open, or a
 *       client that sends a header and stops) cannot take the server's heap. A request bigger than the whole
 *       budget is admitted alone, so a model bigger than the budget still trains;</li>
 *   <li>{@value #PER_WORKER} streams in flight per worker id (a worker's push and a retry of it overlap at
 *       most that much): one client's half-open streams, all under its own registered id, hold at most
 *       {@value #PER_WORKER} models' worth, and the budget stays free for the other workers.</li>
 * </ul>
 *
 * <p>A grant is released once, when its request no longer needs the memory (its gradient handed to the
 * core and applied, or the stream failed or was cancelled).
 */
final class Admission {
    static final int PER_WORKER = 2;
    private final long budget;
    private final Map<Integer, Integer> perWorker = new HashMap<>();
    private long held;
    private long peak;

    /** @param budget bytes all streams in flight may hold together */
    Admission(long budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("the in-flight budget must be >= 1 byte, got " + budget);
        }
        this.budget = budget;
    }

    /** Admits {@code bytes} for worker {@code workerId}'s request, or refuses it with RESOURCE_EXHAUSTED. */
    synchronized Grant admit(int workerId, long bytes, String what) {
        int streams = perWorker.getOrDefault(workerId, 0);
        if (streams >= PER_WORKER) {
            throw refused(what + ": worker " + workerId + " has " + streams + " streams in flight already (at most "
                    + PER_WORKER + "); finish or cancel them first");
        }
        if (held > 0 && held + bytes > budget) {
            throw refused(what + ": its " + bytes + " bytes would pass the server's budget for streams in flight ("
                    + held + " of " + budget + " bytes held, --inflight-mib); retry once they finish");
        }
        held += bytes;
        peak = Math.max(peak, held);
        perWorker.merge(workerId, 1, Integer::sum);
        return new Grant(workerId, bytes);
    }

    private static StatusRuntimeException refused(String message) {
        return Status.RESOURCE_EXHAUSTED.withDescription(message).asRuntimeException();
    }

    /** Bytes held now. */
    synchronized long held() {
        return held;
    }

    /** The most bytes held at once so far. */
    synchronized long peak() {
        return peak;
    }

    long budget() {
        return budget;
    }

    private synchronized void release(int workerId, long bytes) {
        held -= bytes;
        perWorker.computeIfPresent(workerId, (k, v) -> v == 1 ? null : v - 1);
    }

    /** One admitted request's memory; {@link #close} releases it (once; later calls do nothing). */
    final class Grant implements AutoCloseable {
        private final int workerId;
        private final long bytes;
        private boolean released;

        private Grant(int workerId, long bytes) {
            this.workerId = workerId;
            this.bytes = bytes;
        }

        @Override
        public void close() {
            synchronized (Admission.this) {
                if (!released) {
                    released = true;
                    release(workerId, bytes);
                }
            }
        }
    }
}
