package dev.momentumps.wire.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.momentumps.proto.ValueEncoding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Value and index vectors as the wire's little-endian bytes, beyond {@link TensorCodec}'s float32 chunks:
 * float16 values ({@link Float16}) and int32 row indices of sparse gradients.
 */
public final class WireValues {
    private WireValues() {
    }

    /** Bytes per value in an encoding. */
    public static int bytesPer(ValueEncoding encoding) {
        return encoding == ValueEncoding.FLOAT16 ? 2 : Float.BYTES;
    }

    /** {@code values[0, n)} in {@code encoding} (float16 saturates at ±65504, see {@link Float16#fromFloatSaturating}). */
    public static ByteString encode(float[] values, int n, ValueEncoding encoding) {
        return encode(values, 0, n, encoding);
    }

    /** {@code values[from, from + n)} in {@code encoding} (float16 saturating, as {@link #encode(float[], int, ValueEncoding)}). */
    public static ByteString encode(float[] values, int from, int n, ValueEncoding encoding) {
        if (encoding != ValueEncoding.FLOAT16) {
            return TensorCodec.encodeBytes(values, from, n);
        }
        byte[] bytes = new byte[n * 2];
        for (int i = 0; i < n; i++) {
            int h = Float16.fromFloatSaturating(values[from + i]);
            bytes[2 * i] = (byte) h;
            bytes[2 * i + 1] = (byte) (h >>> 8);
        }
        return UnsafeByteOperations.unsafeWrap(bytes);
    }

    /** The number of values in {@code data}, or -1 when its length does not fit the encoding. */
    public static int count(ByteString data, ValueEncoding encoding) {
        int per = bytesPer(encoding);
        return data.size() % per == 0 ? data.size() / per : -1;
    }

    /** Decodes {@code data} (of {@link #count} values) into {@code out[0, count)}. */
    public static void decode(ByteString data, ValueEncoding encoding, float[] out) {
        decode(data, encoding, out, 0);
    }

    /** Decodes {@code data} (of {@link #count} values) into {@code out[offset, offset + count)}. */
    public static void decode(ByteString data, ValueEncoding encoding, float[] out, int offset) {
        if (encoding != ValueEncoding.FLOAT16) {
            TensorCodec.decode(data, out, offset);
            return;
        }
        java.nio.ShortBuffer halves = data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        int n = halves.remaining();
        for (int i = 0; i < n; i++) {
            out[offset + i] = Float16.toFloat(halves.get(i) & 0xffff);
        }
    }

    /**
     * {@link #decode(ByteString, ValueEncoding, float[], int)}, checking float32 values as they land (see
     * {@link TensorCodec#decodeChecked}).
     *
     * @return true when every value is known to be finite; float16 values are not checked (false)
     */
    public static boolean decodeChecked(ByteString data, ValueEncoding encoding, float[] out, int offset) {
        if (encoding != ValueEncoding.FLOAT16) {
            return TensorCodec.decodeChecked(data, out, offset);
        }
        decode(data, encoding, out, offset);
        return false;
    }

    /** Whether {@code encoding} is one this version knows (an unknown enum number reads as UNRECOGNIZED). */
    public static boolean known(ValueEncoding encoding) {
        return encoding == ValueEncoding.FLOAT32 || encoding == ValueEncoding.FLOAT16;
    }

    /** {@code rows[0, n)} as little-endian int32. */
    public static ByteString encodeIndices(int[] rows, int n) {
        return encodeIndices(rows, 0, n);
    }

    /** {@code rows[from, from + n)} as little-endian int32. */
    public static ByteString encodeIndices(int[] rows, int from, int n) {
        byte[] bytes = new byte[n * Integer.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().put(rows, from, n);
        return UnsafeByteOperations.unsafeWrap(bytes);
    }

    /** Little-endian int32 indices; null when the length is not a multiple of 4. */
    public static int[] decodeIndices(ByteString data) {
        if (data.size() % Integer.BYTES != 0) {
            return null;
        }
        int[] rows = new int[data.size() / Integer.BYTES];
        decodeIndices(data, rows, 0);
        return rows;
    }

    /** Decodes {@code data} (a multiple of 4 bytes) into {@code out[offset, offset + size/4)}. */
    public static void decodeIndices(ByteString data, int[] out, int offset) {
        data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer()
                .get(out, offset, data.size() / Integer.BYTES);
    }
}
