package dev.momentumps.server.grpc;

import dev.momentumps.proto.ErrorReason;
import dev.momentumps.wire.ErrorReasons;
import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.shm.SharedRegion;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shared memory regions of same-host workers, one per worker, mapped on first use and kept while the
 * worker names the same file. A server without regions (or one that cannot map the file) refuses with
 * FAILED_PRECONDITION typed as {@link ErrorReason#SHARED_REGION_UNAVAILABLE} (see {@link ErrorReasons}):
 * the worker then sends the same push inline or streamed (the refusal comes before the core sees the push).
 */
final class WorkerRegions {
    private final boolean offered;
    private final String hostId;
    private final ConcurrentHashMap<Integer, SharedRegion> regions = new ConcurrentHashMap<>();

    /** @param offered whether same-host workers may use regions at all */
    WorkerRegions(boolean offered) {
        this.offered = offered;
        this.hostId = offered ? SharedRegion.hostId() : "";
    }

    /** The host id announced at registration; empty when regions are not offered. */
    String hostId() {
        return hostId;
    }

    /** The worker's mapped region of {@code n} elements, opened on first use. */
    SharedRegion of(int workerId, dev.momentumps.proto.SharedRegion spec, int n) {
        if (!offered) {
            throw refusal("shared_region: this server does not take shared regions (use inline or streamed tensors)");
        }
        if (spec.getNumElements() != n) {
            throw new RequestException(RequestException.Reason.INVALID_ARGUMENT,
                    "shared_region.num_elements: " + spec.getNumElements() + ", the model has " + n);
        }
        SharedRegion r = regions.get(workerId);
        if (r == null || !r.path().equals(spec.getPath()) || r.numElements() != n) {
            try {
                r = SharedRegion.open(spec.getPath(), n);
            } catch (RuntimeException e) { // not a file of this host, or not mappable: take another path
                throw refusal(e.getMessage());
            }
            regions.put(workerId, r);
        }
        return r;
    }

    /** Forgets a worker's region (it deregistered). */
    void remove(int workerId) {
        regions.remove(workerId);
    }

    /** FAILED_PRECONDITION typed as {@link ErrorReason#SHARED_REGION_UNAVAILABLE}. */
    static StatusRuntimeException refusal(String message) {
        return ErrorReasons.status(Status.FAILED_PRECONDITION.withDescription(message),
                ErrorReason.SHARED_REGION_UNAVAILABLE);
    }
}
