package dev.momentumps.wire;

/**
 * A request the core refuses, with the reason and a message that names the offending field. The core
 * checks everything before it changes anything, so a refused request leaves every state as it was. The
 * gRPC layer maps {@link Reason} onto a status code; the core itself knows nothing of gRPC.
 */
public final class RequestException extends RuntimeException {

    /** Why a request was refused; one-to-one with the gRPC status codes of the same meaning. */
    public enum Reason {
        INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, OUT_OF_RANGE, ALREADY_EXISTS, DEADLINE_EXCEEDED,
        UNAVAILABLE, RESOURCE_EXHAUSTED
    }

    private final Reason reason;

    public RequestException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** INVALID_ARGUMENT with {@code message}, which names the offending field. */
    public static RequestException invalid(String message) {
        return new RequestException(Reason.INVALID_ARGUMENT, message);
    }
}
