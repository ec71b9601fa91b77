package dev.momentumps.wire.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.momentumps.proto.Chunk;
import dev.momentumps.wire.frame.AliasingMarshaller;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Float32 vectors to and from the wire's chunks of little-endian bytes. Encoding makes one byte[] per
 * chunk and wraps it without a further copy; decoding reads straight out of the received ByteString (one
 * copy, whatever buffers it spans).
 */
public final class TensorCodec {

    /** About 1 MiB of float32 values per chunk. */
    public static final int DEFAULT_CHUNK_BYTES = 1 << 20;
    /** {@link #decodeChecked}'s block, one per thread (transport threads live as long as the server). */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[FiniteScan.BLOCK]);

    private TensorCodec() {
    }

    /** Elements per chunk for a chunk size in bytes (at least one). */
    public static int elementsPerChunk(int chunkBytes) {
        return Math.max(1, chunkBytes / Float.BYTES);
    }

    /** The chunk holding {@code values[from, from+count)}, stamped with element offset {@code from}. */
    public static Chunk encode(float[] values, int from, int count) {
        return Chunk.newBuilder().setOffset(from).setData(encodeBytes(values, from, count)).build();
    }

    /** {@code values[from, from+count)} as little-endian bytes, in one new array wrapped without a copy. */
    public static ByteString encodeBytes(float[] values, int from, int count) {
        byte[] bytes = new byte[count * Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values, from, count);
        return UnsafeByteOperations.unsafeWrap(bytes);
    }

    /** Number of float32 values in a chunk's data, or -1 when its length is not a multiple of 4. */
    public static int count(ByteString data) {
        int n = data.size();
        return n % Float.BYTES == 0 ? n / Float.BYTES : -1;
    }

    /**
     * Decodes a chunk's data into {@code out[offset, offset+count)}: one bulk copy per piece of the data,
     * which may be several buffers (a chunk parsed in place from the transport's buffers, see
     * {@link AliasingMarshaller}); a float cut between two pieces is put together byte by byte.
     */
    public static void decode(ByteString data, float[] out, int offset) {
        decode(data, out, offset, null);
    }

    /**
     * {@link #decode}, checking the values as they land: each block of {@link FiniteScan#BLOCK} values is
     * checked right after it is copied, while it is still in the L1 cache, instead of in a later pass over
     * the whole vector from memory.
     *
     * @return whether every decoded value is finite (no NaN, no ±Inf)
     */
    public static boolean decodeChecked(ByteString data, float[] out, int offset) {
        return decode(data, out, offset, SCRATCH.get());
    }

    /** @param scratch null to decode only; else a block for {@link FiniteScan}, and the result says finite */
    private static boolean decode(ByteString data, float[] out, int offset, float[] scratch) {
        List<ByteBuffer> parts = data.asReadOnlyByteBufferList();
        boolean finite = true;
        int at = offset;
        int carry = 0;
        int carried = 0;
        for (ByteBuffer part : parts) {
            ByteBuffer b = part.order(ByteOrder.LITTLE_ENDIAN);
            while (carried > 0 && b.hasRemaining()) {
                carry |= (b.get() & 0xff) << (8 * carried);
                if (++carried == Float.BYTES) {
                    float v = Float.intBitsToFloat(carry);
                    finite &= v - v == 0;
                    out[at++] = v;
                    carry = 0;
                    carried = 0;
                }
            }
            int whole = b.remaining() / Float.BYTES;
            FloatBuffer floats = b.asFloatBuffer();
            if (scratch == null) {
                floats.get(out, at, whole);
            } else {
                for (int done = 0; done < whole; done += FiniteScan.BLOCK) {
                    int len = Math.min(FiniteScan.BLOCK, whole - done);
                    floats.get(out, at + done, len);
                    finite &= FiniteScan.allFinite(out, at + done, at + done + len, scratch);
                }
            }
            at += whole;
            b.position(b.position() + whole * Float.BYTES);
            while (b.hasRemaining()) {
                carry |= (b.get() & 0xff) << (8 * carried++);
            }
        }
        return scratch != null && finite;
    }
}
