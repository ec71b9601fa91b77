package dev.momentumps.study.report;

import dev.momentumps.server.core.UpdateListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The weights a server starts from, kept when a worker initialises the model, so that a run's reports
 * evaluate update 0 (the starting loss) however fast the workers' first updates come. In memory, and, for
 * a server process, in a file of little-endian float32 values ({@code mps server --initial-weights FILE})
 * that {@code mps train} reads: written whole to a temporary file and renamed, before the server answers
 * the initialising call.
 */
public final class InitialWeights implements UpdateListener {
    private final Path file;
    private volatile float[] weights;

    /** @param file where to write them as well; null for memory only */
    public InitialWeights(Path file) {
        this.file = file;
    }

    @Override
    public void onInitialized(float[] w) {
        float[] copy = w.clone();
        if (file != null) {
            try {
                write(file, copy);
            } catch (IOException e) {
                // the reports then lack update 0; the server goes on
                System.err.println("momentum-ps server: --initial-weights " + file + ": cannot write it (" + e + ")");
            }
        }
        weights = copy;
    }

    @Override
    public void onApplied(long version, int workerId, long staleness, double loss, long nanos) {
        // only the start matters here
    }

    /** The starting weights; null until a worker has initialised the model (or when it was restored). */
    public float[] weights() {
        return weights;
    }

    static void write(Path file, float[] w) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * w.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(w);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, b.array());
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** What {@link #onInitialized} wrote to {@code file}; null when it has not (yet) been written. */
    public static float[] read(Path file) throws IOException {
        if (file == null || !Files.isRegularFile(file)) {
            return null;
        }
        byte[] bytes = Files.readAllBytes(file);
        float[] w = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(w);
        return w;
    }
}
