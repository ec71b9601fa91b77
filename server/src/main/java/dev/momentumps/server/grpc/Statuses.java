package dev.momentumps.server.grpc;

import dev.momentumps.wire.RequestException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Maps the core's refusals onto gRPC statuses, keeping the message that names the field. */
final class Statuses {
    private Statuses() {
    }

    static StatusRuntimeException of(RequestException e) {
        Status s = switch (e.reason()) {
            case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
            case OUT_OF_RANGE -> Status.OUT_OF_RANGE;
            case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
            case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED;
            case UNAVAILABLE -> Status.UNAVAILABLE;
            case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
        };
        return s.withDescription(e.getMessage()).asRuntimeException();
    }

    static StatusRuntimeException of(Throwable t) {
        if (t instanceof RequestException r) {
            return of(r);
        }
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        if (t instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return Status.CANCELLED.withDescription("server is shutting down").asRuntimeException();
        }
        return Status.INTERNAL.withDescription(t.toString()).withCause(t).asRuntimeException();
    }
}
