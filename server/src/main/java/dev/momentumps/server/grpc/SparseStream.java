package dev.momentumps.server.grpc;

import dev.momentumps.proto.GradientHeader;
import dev.momentumps.proto.SparseChunk;
import dev.momentumps.proto.ValueEncoding;
import dev.momentumps.server.consistency.PushTicket;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.codec.WireValues;

/**
 * A sparse gradient arriving over the streaming {@code Push} as {@link SparseChunk}s after a header with
 * {@code sparse} set. Each chunk is checked as it arrives, against the whole gradient so far: indices a
 * whole number of int32, one value per index in the header's {@code value_encoding}, no more rows than
 * {@code sparse.num_rows}, every index in {@code [0, numElements)} and greater than the one before it (also
 * across a chunk boundary), and, when the server rejects non-finite gradients, every value finite. A
 * refusal is INVALID_ARGUMENT naming the field, the position {@code j} counted over the whole gradient and
 * the chunk's number; it comes before the core sees anything, so the server's state (weights, optimiser
 * state, version, the worker's sequence) is unchanged. {@link ParameterServerCore#pushSparse} checks the
 * assembled gradient once more, as it does for the unary {@code SparseGradient}.
 */
final class SparseStream {
    private final int numElements;
    private final ValueEncoding encoding;
    private final boolean rejectNonFinite;
    private final int[] rows;
    private final float[] values;
    private int filled;
    private int chunks;

    /**
     * @param header          a Push header with {@code sparse} set, already checked by {@link #checkHeader}
     * @param rejectNonFinite refuse NaN/±Inf values here (the server's policy is REJECT)
     */
    SparseStream(GradientHeader header, int numElements, boolean rejectNonFinite) {
        this.numElements = numElements;
        this.encoding = header.getValueEncoding();
        this.rejectNonFinite = rejectNonFinite;
        int n = (int) header.getSparse().getNumRows();
        this.rows = new int[n];
        this.values = new float[n];
    }

    /**
     * Checks a Push header's encoding and, for a sparse push, its row count (at most one row per element,
     * since indices are strictly increasing).
     */
    static void checkHeader(GradientHeader header, int numElements) {
        if (!WireValues.known(header.getValueEncoding())) {
            throw invalid("header.value_encoding: " + header.getValueEncodingValue()
                    + " is not a known ValueEncoding (FLOAT32 = 0, FLOAT16 = 1)");
        }
        if (header.hasSparse()) {
            long n = header.getSparse().getNumRows();
            if (n < 0 || n > numElements) {
                throw invalid("header.sparse.num_rows: " + n + ", not in [0, " + numElements
                        + "] (at most one row per element of the model)");
            }
        }
    }

    /** PushPull has its own fields for these; a header that sets them there is refused, naming the field. */
    static void refuseStreamFields(GradientHeader header) {
        if (header.getValueEncodingValue() != 0) {
            throw invalid("header.value_encoding: Push only; PushPull takes gradient_encoding or "
                    + "sparse_gradient.encoding");
        }
        if (header.hasSparse()) {
            throw invalid("header.sparse: Push only; PushPull takes sparse_gradient");
        }
    }

    /** Takes the next chunk. @throws RequestException naming the field on any violation */
    void accept(SparseChunk chunk) {
        int c = chunks++;
        int k = WireValues.count(chunk.getIndices(), ValueEncoding.FLOAT32);
        if (k < 0) {
            throw invalid("sparse_chunk.indices (chunk " + c + "): " + chunk.getIndices().size()
                    + " bytes, not a whole number of int32 values");
        }
        if (WireValues.count(chunk.getValues(), encoding) != k) {
            throw invalid("sparse_chunk.values (chunk " + c + "): " + chunk.getValues().size() + " bytes, expected "
                    + (long) k * WireValues.bytesPer(encoding) + " (one " + encoding + " value per index, " + k
                    + " indices)");
        }
        if ((long) filled + k > rows.length) {
            throw invalid("sparse_chunk.indices (chunk " + c + "): " + k + " more rows after " + filled
                    + " run past header.sparse.num_rows = " + rows.length);
        }
        int from = filled;
        WireValues.decodeIndices(chunk.getIndices(), rows, from);
        WireValues.decode(chunk.getValues(), encoding, values, from);
        int prev = from == 0 ? -1 : rows[from - 1];
        for (int j = from; j < from + k; j++) {
            int r = rows[j];
            if (r < 0 || r >= numElements) {
                throw invalid("sparse_chunk.indices[" + j + "] (chunk " + c + ") is " + r + ", not in [0, "
                        + numElements + ")");
            }
            if (r <= prev) {
                throw invalid("sparse_chunk.indices[" + j + "] (chunk " + c + ") is " + r + " after " + prev
                        + ": indices must be strictly increasing across all chunks (no duplicates)");
            }
            prev = r;
            float v = values[j];
            if (rejectNonFinite && v - v != 0) {
                throw invalid("sparse_chunk.values[" + j + "] (chunk " + c + ", row " + r + ") is " + v
                        + ": only finite values are accepted");
            }
        }
        filled += k;
    }

    /**
     * Hands the whole gradient to the core (which checks it again, the sequence and the rest of the header).
     * @throws RequestException when rows are missing, or the core refuses the push
     */
    PushTicket submit(ParameterServerCore core, GradientHeader header) {
        if (filled != rows.length) {
            throw invalid("sparse_chunk: received " + filled + " rows in " + chunks
                    + " chunks, header.sparse.num_rows says " + rows.length + " (missing chunks)");
        }
        return core.pushSparse(header.getWorkerId(), header.getBaseVersion(), header.getSequence(), rows, values,
                header.getLoss(), header.getBatchSize(), PushPaths.Path.SPARSE_STREAM.wireName);
    }

    private static RequestException invalid(String message) {
        return new RequestException(RequestException.Reason.INVALID_ARGUMENT, message);
    }
}
