package dev.momentumps.wire.codec;

import dev.momentumps.proto.Chunk;
import dev.momentumps.proto.ValueEncoding;
import dev.momentumps.wire.RequestException;

/**
 * Reassembles a flat float32 vector from streamed chunks, enforcing the contract: chunks in order, no gaps
 * or overlaps, whole float32 values, exactly covering the vector. Errors name the field and what was
 * expected. The chunks' data is little-endian float32, or float16 (widened exactly) when constructed so.
 */
public final class ChunkAssembler {
    private final float[] values;
    private final ValueEncoding encoding;
    private final boolean check;
    private int filled;
    private boolean finite = true;

    public ChunkAssembler(int numElements) {
        this(new float[numElements]);
    }

    /** Writes into a caller-owned vector instead of a new one. */
    public ChunkAssembler(float[] target) {
        this(target, ValueEncoding.FLOAT32);
    }

    /** Writes into {@code target}, reading the chunks' data in {@code encoding} (FLOAT32 or FLOAT16). */
    public ChunkAssembler(float[] target, ValueEncoding encoding) {
        this(target, encoding, true);
    }

    private ChunkAssembler(float[] target, ValueEncoding encoding, boolean check) {
        this.values = target;
        this.encoding = encoding;
        this.check = check;
    }

    /**
     * Float32 chunks into {@code target} without checking the values (then {@link #knownFinite} is false):
     * for a worker reading the server's weights, which only the server's own checks guard.
     */
    public static ChunkAssembler unchecked(float[] target) {
        return new ChunkAssembler(target, ValueEncoding.FLOAT32, false);
    }

    public void accept(Chunk chunk) {
        int n = WireValues.count(chunk.getData(), encoding);
        if (n < 0) {
            throw new RequestException(RequestException.Reason.INVALID_ARGUMENT, "chunk.data: "
                    + chunk.getData().size() + " bytes is not a whole number of "
                    + (encoding == ValueEncoding.FLOAT16 ? "float16 values (header.value_encoding FLOAT16)"
                    : "float32 values"));
        }
        if (chunk.getOffset() != filled) {
            throw new RequestException(RequestException.Reason.INVALID_ARGUMENT, "chunk.offset: expected "
                    + filled + " (chunks in order, no gaps or overlaps), got " + chunk.getOffset());
        }
        if ((long) filled + n > values.length) {
            throw new RequestException(RequestException.Reason.INVALID_ARGUMENT, "chunk.data: chunk at offset "
                    + filled + " with " + n + " values runs past the tensor's " + values.length + " elements");
        }
        if (check) {
            finite &= WireValues.decodeChecked(chunk.getData(), encoding, values, filled);
        } else {
            WireValues.decode(chunk.getData(), encoding, values, filled);
        }
        filled += n;
    }

    /**
     * Whether every value received so far was checked as it was decoded and is finite (float32 chunks are
     * checked block by block while in cache; float16 ones are not, so this is false for them): the core
     * then need not scan the vector again.
     */
    public boolean knownFinite() {
        return check && finite;
    }

    /** The assembled vector. @throws RequestException if chunks are missing */
    public float[] finish() {
        if (filled != values.length) {
            throw new RequestException(RequestException.Reason.INVALID_ARGUMENT, "chunks: received " + filled
                    + " of " + values.length + " elements (missing chunks)");
        }
        return values;
    }
}
