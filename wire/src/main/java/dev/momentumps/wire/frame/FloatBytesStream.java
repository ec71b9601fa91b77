package dev.momentumps.wire.frame;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A message's serialised bytes made of a ready prefix (tags, lengths, other fields) followed by
 * {@code values[from, from+count)} as little-endian float32: what {@link FloatChunkFrame} and
 * {@link InlineFloats} hand gRPC. {@link #drainTo} converts the floats through a small per-thread scratch
 * (64 KiB, cache resident) straight into gRPC's output stream, so no message-sized byte[] is ever made; the
 * values are read while the stream is drained.
 */
public final class FloatBytesStream extends InputStream implements Drainable, KnownLength {
    private static final int SCRATCH_BYTES = 64 << 10;
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[SCRATCH_BYTES]);

    private final byte[] prefix;
    private final float[] values;
    private final int from;
    private final int total;
    private int pos;

    FloatBytesStream(byte[] prefix, float[] values, int from, int count) {
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
