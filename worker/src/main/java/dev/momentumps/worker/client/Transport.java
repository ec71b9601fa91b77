package dev.momentumps.worker.client;

/**
 * How a {@link GrpcParameterClient} moves a push-and-pull's tensors. {@link #AUTO} takes the fastest the
 * server offers: {@link #SOCKET} when the server offers its payload socket (a plaintext server; one with TLS
 * offers none) and it can be opened, on the server's host only for tensors up to 1 MiB; else
 * {@link #SHARED_MEMORY} when the server reports this host's boot id; else {@link #UNARY} when the tensor fits
 * in one chunk, else {@link #STREAM}. Forcing {@link #UNARY} or {@link #STREAM} keeps
 * everything on TCP (what a worker on another host does); a forced path still falls back to the streaming
 * one when the tensor does not fit or the server lacks the call.
 */
public enum Transport {
    /** pick per call, fastest first */
    AUTO("auto"),
    /** gRPC control message; tensors through a memory-mapped file both processes share (same host only) */
    SHARED_MEMORY("shared-memory"),
    /** one unary gRPC call with the tensors inline (when they fit in one chunk) */
    UNARY("grpc-unary"),
    /** a gRPC stream of ~1 MiB chunks each way */
    STREAM("grpc-stream"),
    /** a unary gRPC call carrying a sparse gradient (rows and values); reported by lastTransport() only */
    SPARSE("grpc-sparse"),
    /** a streaming Push of sparse chunks (a sparse gradient bigger than one chunk); reported by lastTransport() only */
    SPARSE_STREAM("grpc-sparse-stream"),
    /** TCP gRPC only: {@link #UNARY} when the tensor fits, else {@link #STREAM} */
    TCP("tcp"),
    /**
     * dense pushes and pulls on the server's payload socket (a plain TCP socket beside the gRPC channel, no
     * HTTP/2, no protobuf on the tensors); the server must offer one ({@code mps server --payload-port})
     */
    SOCKET("socket");

    private final String cliName;

    Transport(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** Whether a client told to use this may take path {@code path}. */
    boolean allows(Transport path) {
        return switch (this) {
            case AUTO -> true;
            case TCP -> path == UNARY || path == STREAM;
            default -> this == path;
        };
    }

    /** By CLI name. @throws IllegalArgumentException listing the names */
    public static Transport parse(String name, String flag) {
        for (Transport t : values()) {
            if (t != SPARSE && t != SPARSE_STREAM && t.cliName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException(flag + " must be one of auto, tcp, socket, shared-memory, grpc-unary, "
                + "grpc-stream; got '" + name + "'");
    }
}
