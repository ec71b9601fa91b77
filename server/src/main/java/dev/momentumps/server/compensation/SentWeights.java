package dev.momentumps.server.compensation;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The weights the server last sent each worker: θ_stale of the worker's next gradient. DC-ASGD and
 * Gap-Aware both correct a gradient by how far the weights moved since the worker read them, and keep one
 * copy per worker (W·n floats).
 *
 * <p>Encoded for checkpoints as: count, then per worker (ascending id) id, length and the floats.
 */
final class SentWeights {
    private final Map<Integer, float[]> byWorker = new HashMap<>();

    /** Copies {@code weights} as worker {@code workerId}'s. */
    void record(int workerId, float[] weights) {
        float[] bak = byWorker.get(workerId);
        if (bak == null || bak.length != weights.length) {
            bak = new float[weights.length];
            byWorker.put(workerId, bak);
        }
        System.arraycopy(weights, 0, bak, 0, weights.length);
    }

    /**
     * Copies the rows {@code rows[0..n)} sent to the worker into its copy. A worker with no copy yet (it never
     * got the whole weights) keeps none: its other rows are not known here.
     */
    void recordRows(int workerId, int[] rows, int n, float[] values) {
        float[] bak = byWorker.get(workerId);
        if (bak == null) {
            return;
        }
        for (int j = 0; j < n; j++) {
            bak[rows[j]] = values[j];
        }
    }

    /** The live copy of the worker's weights, or null if it never pulled. */
    float[] of(int workerId) {
        return byWorker.get(workerId);
    }

    /** Bytes {@link #write} puts. */
    long encodedBytes() {
        long bytes = 4;
        for (float[] b : byWorker.values()) {
            bytes += 8 + 4L * b.length;
        }
        return bytes;
    }

    void write(ByteBuffer out) {
        Map<Integer, float[]> sorted = new TreeMap<>(byWorker);
        out.putInt(sorted.size());
        for (Map.Entry<Integer, float[]> e : sorted.entrySet()) {
            out.putInt(e.getKey()).putInt(e.getValue().length);
            Floats.put(out, e.getValue());
        }
    }

    /** Replaces the copies with those {@link #write} put into {@code in}. */
    void read(ByteBuffer in) {
        Map<Integer, float[]> restored = new HashMap<>();
        int n = in.getInt();
        for (int k = 0; k < n; k++) {
            int id = in.getInt();
            restored.put(id, Floats.get(in, in.getInt()));
        }
        byWorker.clear();
        byWorker.putAll(restored);
    }

    /** Makes these copies {@code other}'s (sharing the arrays: {@code other} is thrown away). */
    void copyFrom(SentWeights other) {
        byWorker.clear();
        byWorker.putAll(other.byWorker);
    }
}
