package dev.momentumps.server.grpc;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many pushes arrived by each path, so a report names the path really taken (a shared-memory run that
 * fell back to TCP says so). Counted once a push is taken in; reported in {@code StatusReply.pushes_by_path}.
 */
final class PushPaths {
    /** The paths, by the names the report and the worker's {@code --transport} use. */
    enum Path {
        UNARY("grpc-unary"), SHARED_MEMORY("shared-memory"), SPARSE("grpc-sparse"), STREAM("grpc-stream"),
        SPARSE_STREAM("grpc-sparse-stream"), SOCKET("socket");

        final String wireName;

        Path(String wireName) {
            this.wireName = wireName;
        }
    }

    private final LongAdder[] counts = new LongAdder[Path.values().length];

    PushPaths() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void taken(Path path) {
        counts[path.ordinal()].increment();
    }

    /** The paths taken at least once, with their counts. */
    Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Path p : Path.values()) {
            long n = counts[p.ordinal()].sum();
            if (n > 0) {
                out.put(p.wireName, n);
            }
        }
        return out;
    }
}
