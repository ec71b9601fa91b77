package dev.momentumps.server.grpc;

/**
 * The transport paths a push can come by, so a report names the path really taken (a shared-memory run that
 * fell back to TCP says so). Each transport names its path on the push ({@code GradientSource.via}, or
 * {@code pushSparse}'s last argument); the core counts it once the push is taken in, keeps the counts in its
 * checkpoints and replicates them to a hot standby, and reports them in {@code StatusReply.pushes_by_path}.
 */
final class PushPaths {
    private PushPaths() {
    }

    /** The paths, by the names the report and the worker's {@code --transport} use. */
    enum Path {
        UNARY("grpc-unary"), SHARED_MEMORY("shared-memory"), SPARSE("grpc-sparse"), STREAM("grpc-stream"),
        SPARSE_STREAM("grpc-sparse-stream"), SOCKET("socket");

        final String wireName;

        Path(String wireName) {
            this.wireName = wireName;
        }
    }
}
