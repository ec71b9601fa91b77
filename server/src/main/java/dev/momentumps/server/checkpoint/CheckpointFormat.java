package dev.momentumps.server.checkpoint;

import dev.momentumps.server.core.CoreSnapshot;
import dev.momentumps.wire.TensorLayout;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The checkpoint file format, version 3. All integers big-endian ({@link DataOutputStream}), float vectors
 * little-endian float32 as on the wire, strings as an int byte count and that many UTF-8 bytes (version 1
 * wrote strings with {@link DataOutputStream#writeUTF}, which cannot hold more than 65,535 bytes; version 2
 * ends after the extensions, without the recent losses and the pushes by path; this build reads both, and a
 * core restored from them starts those two from empty):
 *
 * <pre>
 *   magic        8 bytes  "MPSCKPT\0"
 *   format       int      3
 *   body length  long     bytes of the body that follows
 *   body         ...      see {@link #writeBody}
 *   crc32c       int      CRC32C (Castagnoli) of the body
 * </pre>
 *
 * A reader checks the magic, the format version, that the file is exactly header + body + checksum long
 * (a truncated or padded file fails here) and the checksum, before it decodes anything, so a torn or
 * corrupted file is reported as such and never half-restored.
 */
public final class CheckpointFormat {
    static final byte[] MAGIC = "MPSCKPT\0".getBytes(StandardCharsets.US_ASCII);
    public static final int FORMAT_VERSION = 3;
    /** The recent losses a checkpoint keeps at most (the window of the Status mean). */
    static final int MAX_RECENT_LOSSES = 64;
    /** The oldest format this build reads. */
    static final int OLDEST_READABLE = 1;
    /** magic + format + body length */
    static final int HEADER_BYTES = MAGIC.length + 4 + 8;

    private CheckpointFormat() {
    }

    /** The whole file's bytes for a snapshot. */
    public static byte[] encode(CoreSnapshot s) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(64 + 4 * s.weights().length * (1 + s.ruleState().size()));
        writeBody(new DataOutputStream(body), s);
        byte[] b = body.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length);
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + b.length + 4);
        out.put(MAGIC).putInt(FORMAT_VERSION).putLong(b.length).put(b).putInt((int) crc.getValue());
        return out.array();
    }

    /** Decodes a whole file's bytes; {@code file} only names it in errors. */
    public static CoreSnapshot decode(byte[] bytes, Path file) throws CorruptCheckpointException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        int format = checkHeader(in, bytes.length, file);
        long bodyLength = bytes.length - HEADER_BYTES - 4;
        CRC32C crc = new CRC32C();
        crc.update(bytes, HEADER_BYTES, (int) bodyLength);
        int stored = ByteBuffer.wrap(bytes, HEADER_BYTES + (int) bodyLength, 4).getInt();
        if (stored != (int) crc.getValue()) {
            throw new CorruptCheckpointException(file, String.format("checksum mismatch (stored %08x, computed %08x)",
                    stored, (int) crc.getValue()));
        }
        try {
            return readBody(new DataInputStream(new java.io.ByteArrayInputStream(bytes, HEADER_BYTES, (int) bodyLength)),
                    format);
        } catch (IOException | RuntimeException e) {
            // a checksum collision or a writer bug: still refuse it rather than restore garbage
            throw new CorruptCheckpointException(file, "undecodable body: " + e);
        }
    }

    /**
     * Checks a header (the first {@link #HEADER_BYTES} of {@code header}, read from its position) against the
     * file's size: the magic, a format this build reads, and a body length that makes exactly {@code size}
     * bytes, so a truncated or padded file fails here before its body is read. @return the format version
     */
    static int checkHeader(ByteBuffer header, long size, Path file) throws CorruptCheckpointException {
        if (size < HEADER_BYTES + 4) {
            throw new CorruptCheckpointException(file, "truncated: " + size + " bytes, shorter than a header");
        }
        byte[] magic = new byte[MAGIC.length];
        header.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new CorruptCheckpointException(file, "not a momentum-ps checkpoint (bad magic)");
        }
        int format = header.getInt();
        if (format < OLDEST_READABLE || format > FORMAT_VERSION) {
            throw new CorruptCheckpointException(file, "format version " + format + ", this build reads "
                    + OLDEST_READABLE + " to " + FORMAT_VERSION);
        }
        long bodyLength = header.getLong();
        if (bodyLength < 0 || bodyLength > size - HEADER_BYTES - 4) {
            throw new CorruptCheckpointException(file, "truncated: " + size + " bytes, the header says "
                    + (bodyLength < 0 ? "a negative body length " + bodyLength : HEADER_BYTES + bodyLength + 4));
        }
        if (HEADER_BYTES + bodyLength + 4 != size) {
            throw new CorruptCheckpointException(file, "trailing bytes: " + size + " bytes, the header says "
                    + (HEADER_BYTES + bodyLength + 4));
        }
        return format;
    }

    /**
     * version, gradients applied, gradients dropped, update rule, layout (tensor count; per tensor
     * name, rank, dims), weights, state vectors (count; per vector name and values), staleness histogram,
     * workers (count; per worker id, rank, name, pushes, last sequence, alive, histogram), extensions
     * (count; per part key and bytes); from format 3 the recent losses the Status mean is over (count; each a
     * double, oldest first) and the pushes by transport path (count; per path name and count).
     */
    private static void writeBody(DataOutputStream out, CoreSnapshot s) throws IOException {
        out.writeLong(s.version());
        out.writeLong(s.gradientsApplied());
        out.writeLong(s.gradientsDropped());
        writeString(out, s.updateRule());
        List<TensorLayout.Tensor> tensors = s.layout().tensors();
        out.writeInt(tensors.size());
        for (TensorLayout.Tensor t : tensors) {
            writeString(out, t.name());
            long[] shape = t.shape();
            out.writeInt(shape.length);
            for (long d : shape) {
                out.writeLong(d);
            }
        }
        writeFloats(out, s.weights());
        out.writeInt(s.ruleState().size());
        for (Map.Entry<String, float[]> e : s.ruleState().entrySet()) {
            writeString(out, e.getKey());
            writeFloats(out, e.getValue());
        }
        writeLongs(out, s.stalenessHistogram());
        out.writeInt(s.workers().size());
        for (CoreSnapshot.WorkerState w : s.workers()) {
            out.writeInt(w.id());
            out.writeInt(w.rank());
            writeString(out, w.name());
            out.writeLong(w.pushes());
            out.writeLong(w.lastSequence());
            out.writeBoolean(w.alive());
            writeLongs(out, w.stalenessHistogram());
        }
        out.writeInt(s.extensions().size());
        for (Map.Entry<String, byte[]> e : s.extensions().entrySet()) {
            writeString(out, e.getKey());
            out.writeInt(e.getValue().length);
            out.write(e.getValue());
        }
        double[] losses = s.recentLosses();
        out.writeInt(losses.length);
        for (double l : losses) {
            out.writeDouble(l);
        }
        out.writeInt(s.pushesByPath().size());
        for (Map.Entry<String, Long> e : s.pushesByPath().entrySet()) {
            writeString(out, e.getKey());
            out.writeLong(e.getValue());
        }
        out.flush();
    }

    private static CoreSnapshot readBody(DataInputStream in, int format) throws IOException {
        long version = in.readLong();
        long applied = in.readLong();
        long dropped = in.readLong();
        String rule = readString(in, format);
        int nt = count(in.readInt(), "tensors");
        TensorLayout.Builder layout = TensorLayout.builder();
        for (int i = 0; i < nt; i++) {
            String name = readString(in, format);
            long[] shape = new long[count(in.readInt(), "dimensions")];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = in.readLong();
            }
            layout.add(name, shape);
        }
        TensorLayout l = layout.build();
        float[] weights = readFloats(in);
        if (weights.length != l.numElements()) {
            throw new IOException("weights have " + weights.length + " elements, the layout " + l.numElements());
        }
        int ns = count(in.readInt(), "state vectors");
        Map<String, float[]> state = new LinkedHashMap<>();
        for (int i = 0; i < ns; i++) {
            state.put(readString(in, format), readFloats(in));
        }
        long[] hist = readLongs(in);
        int nw = count(in.readInt(), "workers");
        List<CoreSnapshot.WorkerState> workers = new ArrayList<>(nw);
        for (int i = 0; i < nw; i++) {
            int id = in.readInt();
            int rank = in.readInt();
            workers.add(new CoreSnapshot.WorkerState(id, rank, readString(in, format), in.readLong(),
                    in.readLong(), in.readBoolean(), readLongs(in)));
        }
        int ne = count(in.readInt(), "extensions");
        Map<String, byte[]> ext = new LinkedHashMap<>();
        for (int i = 0; i < ne; i++) {
            String key = readString(in, format);
            byte[] b = new byte[count(in.readInt(), "extension bytes")];
            in.readFully(b);
            ext.put(key, b);
        }
        double[] losses = new double[0];
        Map<String, Long> byPath = new LinkedHashMap<>();
        if (format >= 3) {
            int nl = count(in.readInt(), "recent losses");
            if (nl > MAX_RECENT_LOSSES) {
                throw new IOException(nl + " recent losses, at most " + MAX_RECENT_LOSSES + " are kept");
            }
            losses = new double[nl];
            for (int i = 0; i < losses.length; i++) {
                losses[i] = in.readDouble();
            }
            int np = count(in.readInt(), "push paths");
            for (int i = 0; i < np; i++) {
                byPath.put(readString(in, format), in.readLong());
            }
        }
        if (in.read() != -1) {
            throw new IOException("bytes left over after the last field");
        }
        return new CoreSnapshot(l, weights, version, rule, state, applied, dropped, hist, workers, ext, losses,
                byPath);
    }

    private static int count(int n, String what) throws IOException {
        if (n < 0) {
            throw new IOException("negative count of " + what + ": " + n);
        }
        return n;
    }

    private static void writeString(DataOutputStream out, String v) throws IOException {
        byte[] b = v.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in, int format) throws IOException {
        if (format == 1) {
            return in.readUTF();
        }
        int n = count(in.readInt(), "string bytes");
        if (n > in.available()) {
            throw new EOFException("a string of " + n + " bytes runs past the end");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        out.writeInt(v.length);
        ByteBuffer b = ByteBuffer.allocate(Math.min(v.length, 1 << 16) * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < v.length; ) {
            int n = Math.min(v.length - from, b.capacity() / 4);
            b.clear();
            b.asFloatBuffer().put(v, from, n);
            out.write(b.array(), 0, n * 4);
            from += n;
        }
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        int n = count(in.readInt(), "floats");
        if (n > in.available() / 4) {
            throw new EOFException("a vector of " + n + " floats runs past the end");
        }
        byte[] raw = new byte[n * 4];
        in.readFully(raw);
        float[] v = new float[n];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    private static void writeLongs(DataOutputStream out, long[] v) throws IOException {
        out.writeInt(v.length);
        for (long x : v) {
            out.writeLong(x);
        }
    }

    private static long[] readLongs(DataInputStream in) throws IOException {
        int n = count(in.readInt(), "longs");
        if (n > in.available() / 8) {
            throw new EOFException("a vector of " + n + " longs runs past the end");
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.readLong();
        }
        return v;
    }
}
