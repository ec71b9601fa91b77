package dev.momentumps.study.report;

import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.UpdateListener;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * The weights after every update of a run, for fits over the whole trajectory (the implicit-momentum
 * estimate of a real, multi-process run). Records are {@code int64 version} then the flat float32 weights,
 * big-endian, appended by the server as each version is applied. Only for small models: past
 * {@link #MAX_ELEMENTS} the recorder writes nothing.
 */
public final class TrajectoryFile {
    /** Larger models are not recorded (the file would grow by their size at every update). */
    public static final int MAX_ELEMENTS = 100_000;

    private TrajectoryFile() {
    }

    /** Appends each new version's weights; attach with {@link ParameterServerCore#addListener}. */
    public static final class Recorder implements UpdateListener, AutoCloseable {
        private final ParameterServerCore core;
        private final DataOutputStream out;
        private long lastVersion;

        public Recorder(Path file, ParameterServerCore core) throws IOException {
            this.core = core;
            // appended: a server restarted from a checkpoint carries on in the same file (the reader stops at
            // the repeated versions, keeping the part before the crash)
            this.out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND), 1 << 16));
        }

        @Override
        public synchronized void onApplied(long version, int workerId, long staleness, double loss, long nanos) {
            if (version <= lastVersion) {
                return; // several gradients of one synchronous round make one version
            }
            lastVersion = version;
            // called under the core's lock, right after the update: these are exactly this version's weights
            float[] w = core.weights();
            if (w.length > MAX_ELEMENTS) {
                return;
            }
            try {
                out.writeLong(version);
                for (float v : w) {
                    out.writeFloat(v);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public synchronized void close() throws IOException {
            out.close();
        }
    }

    /**
     * Feeds the weights of consecutive versions to {@code sink}, in order, stopping at the first gap (a
     * server restored from a checkpoint repeats versions) or at a record torn by a kill.
     *
     * @return the number of versions read
     */
    public static long read(Path file, int numElements, Consumer<float[]> sink) throws IOException {
        float[] w = new float[numElements];
        long count = 0;
        long expected = -1;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            while (true) {
                long version;
                try {
                    version = in.readLong();
                    for (int i = 0; i < numElements; i++) {
                        w[i] = in.readFloat();
                    }
                } catch (EOFException end) {
                    return count;
                }
                if (expected >= 0 && version != expected) {
                    return count;
                }
                expected = version + 1;
                sink.accept(w);
                count++;
            }
        }
    }
}
