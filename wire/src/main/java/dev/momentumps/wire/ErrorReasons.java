package dev.momentumps.wire;

import dev.momentumps.proto.ErrorReason;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A refusal the caller can act on carries its {@link ErrorReason} in the ASCII trailer {@value #KEY} (the
 * value's name), so a client in any language recognises it without reading the message.
 */
public final class ErrorReasons {
    /** The trailer's name. */
    public static final String KEY = "mps-error-reason";
    private static final Metadata.Key<String> REASON = Metadata.Key.of(KEY, Metadata.ASCII_STRING_MARSHALLER);

    private ErrorReasons() {
    }

    /** {@code status} with {@code reason} in its trailers. */
    public static StatusRuntimeException status(Status status, ErrorReason reason) {
        Metadata trailers = new Metadata();
        trailers.put(REASON, reason.name());
        return status.asRuntimeException(trailers);
    }

    /** The reason a refusal names in its trailers, or null when it names none (or one unknown here). */
    public static ErrorReason of(StatusRuntimeException e) {
        Metadata trailers = e.getTrailers();
        String name = trailers == null ? null : trailers.get(REASON);
        if (name == null) {
            return null;
        }
        for (ErrorReason r : ErrorReason.values()) {
            if (r != ErrorReason.UNRECOGNIZED && r.name().equals(name)) {
                return r;
            }
        }
        return null;
    }
}
