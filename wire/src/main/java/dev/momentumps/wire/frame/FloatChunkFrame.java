package dev.momentumps.wire.frame;

import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.io.InputStream;

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
 * but converts the floats to bytes through a small per-thread scratch straight into gRPC's output stream
 * ({@link FloatBytesStream}), where protobuf would first build a 1 MiB byte[] (allocated, zeroed, filled,
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
        return new FloatBytesStream(prefix, values, from, count);
    }
}
