package dev.momentumps.server.grpc;

import com.google.protobuf.CodedOutputStream;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A frame of the streamed tensor RPCs ({@code GradientFrame}, {@code WeightsFrame}, {@code InitializeFrame}:
 * all put their {@code Chunk} in field 2) that holds {@code values[from, from+count)} by reference instead
 * of as a ready-made byte[]. {@link #stream} serialises it exactly as protobuf would, byte for byte:
 *
 * <pre>
 *   0x12 len(chunk)            frame.chunk (field 2, length-delimited; always present: it is a oneof)
 *     0x08 varint(from)        chunk.offset (field 1), omitted when 0 (proto3 default)
 *     0x12 varint(4*count) ... chunk.data (field 2), little-endian float32, omitted when empty
 * </pre>
 *
 * but converts the floats to bytes through a small per-thread scratch (64 KiB, cache resident) straight
 * into gRPC's output stream, where protobuf would first build a 1 MiB byte[] (allocated, zeroed, filled,
 * then copied again and collected).
 *
 * <p>The values are read when gRPC drains the stream. Netty's transport drains it inside
 * {@code onNext}, so the caller may reuse the array as soon as {@code onNext} returns; a transport that
 * keeps the stream for later (in-process) must not be given these frames.
 */
public record FloatChunkFrame(float[] values, int from, int count) {
    /** {@code Chunk} is field 2 of every frame message; {@code offset} field 1, {@code data} field 2. */
    private static final int CHUNK_TAG = (2 << 3) | 2;
    private static final int OFFSET_TAG = 1 << 3;
    private static final int DATA_TAG = (2 << 3) | 2;
    private static final int SCRATCH_BYTES = 64 << 10;
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[SCRATCH_BYTES]);

    public FloatChunkFrame {
        if (from < 0 || count < 0 || from > values.length - count) {
            throw new IndexOutOfBoundsException("chunk [" + from + ", " + from + "+" + count + ") of "
                    + values.length + " values");
        }
    }

    /** The frame's protobuf encoding: framing bytes, then the values. */
    public InputStream stream() {
        int dataBytes = count * Float.BYTES;
        int body = (from != 0 ? 1 + CodedOutputStream.computeUInt64SizeNoTag(from) : 0)
                + (count > 0 ? 1 + CodedOutputStream.computeUInt32SizeNoTag(dataBytes) + dataBytes : 0);
        int prefixLength = 1 + CodedOutputStream.computeUInt32SizeNoTag(body) + (body - dataBytes);
        byte[] prefix = new byte[prefixLength];
        CodedOutputStream out = CodedOutputStream.newInstance(prefix);
        try {
            out.writeUInt32NoTag(CHUNK_TAG);
            out.writeUInt32NoTag(body);
            if (from != 0) {
                out.writeUInt32NoTag(OFFSET_TAG);
                out.writeUInt64NoTag(from);
            }
            if (count > 0) {
                out.writeUInt32NoTag(DATA_TAG);
                out.writeUInt32NoTag(dataBytes);
            }
            out.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new IllegalStateException("frame prefix size miscomputed", e);
        }
        return new Stream(prefix, values, from, count);
    }

    /** The prefix bytes, then {@code count} floats as little-endian bytes; drains or reads. */
    static final class Stream extends InputStream implements Drainable, KnownLength {
        private final byte[] prefix;
        private final float[] values;
        private final int from;
        private final int total;
        private int pos;

        Stream(byte[] prefix, float[] values, int from, int count) {
            this.prefix = prefix;
            this.values = values;
            this.from = from;
            this.total = prefix.length + count * Float.BYTES;
        }

        @Override
        public int available() {
            return total - pos;
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int start = pos;
            if (pos < prefix.length) {
                target.write(prefix, pos, prefix.length - pos);
                pos = prefix.length;
            }
            byte[] scratch = SCRATCH.get();
            int n;
            while ((n = read(scratch, 0, scratch.length)) > 0) {
                target.write(scratch, 0, n);
            }
            return pos - start;
        }

        @Override
        public int read() {
            if (pos >= total) {
                return -1;
            }
            if (pos < prefix.length) {
                return prefix[pos++] & 0xff;
            }
            int b = valueByte(pos - prefix.length);
            pos++;
            return b;
        }

        /** Byte {@code i} of the values' little-endian encoding. */
        private int valueByte(int i) {
            return (Float.floatToRawIntBits(values[from + i / Float.BYTES]) >>> (8 * (i % Float.BYTES))) & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (pos >= total) {
                return -1;
            }
            int end = off + Math.min(len, total - pos);
            int at = off;
            while (at < end && pos < prefix.length) {
                b[at++] = prefix[pos++];
            }
            // a float cut by an earlier read: finish it byte by byte
            while (at < end && (pos - prefix.length) % Float.BYTES != 0) {
                b[at++] = (byte) valueByte(pos - prefix.length);
                pos++;
            }
            int whole = (end - at) / Float.BYTES;
            if (whole > 0) {
                int first = from + (pos - prefix.length) / Float.BYTES;
                ByteBuffer.wrap(b, at, whole * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                        .put(values, first, whole);
                at += whole * Float.BYTES;
                pos += whole * Float.BYTES;
            }
            while (at < end) {
                b[at++] = (byte) valueByte(pos - prefix.length);
                pos++;
            }
            return at - off;
        }
    }
}
