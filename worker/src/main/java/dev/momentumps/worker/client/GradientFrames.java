package dev.momentumps.worker.client;

import dev.momentumps.proto.Chunk;
import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.GradientHeader;
import dev.momentumps.proto.SparseChunk;
import dev.momentumps.proto.SparseStreamHeader;
import dev.momentumps.proto.ValueEncoding;
import dev.momentumps.wire.codec.WireValues;
import io.grpc.stub.StreamObserver;

/**
 * The frames of a streaming {@code Push} after the header, cut to about the chunk size the server announced:
 * a dense gradient as {@link Chunk}s in float32 or float16 ({@code value_encoding}), or a sparse one as
 * {@link SparseChunk}s of indices and values ({@code header.sparse}).
 */
final class GradientFrames {
    private GradientFrames() {
    }

    /** Values of a dense chunk: as many as fit in {@code chunkBytes} (at least one). */
    static int denseValuesPerChunk(int chunkBytes, ValueEncoding encoding) {
        return Math.max(1, chunkBytes / WireValues.bytesPer(encoding));
    }

    /** Rows of a sparse chunk: as many (4-byte index + value) as fit in {@code chunkBytes} (at least one). */
    static int sparseRowsPerChunk(int chunkBytes, ValueEncoding encoding) {
        return Math.max(1, chunkBytes / (Integer.BYTES + WireValues.bytesPer(encoding)));
    }

    /** The header of a sparse push of {@code n} rows with values in {@code encoding}. */
    static GradientHeader sparseHeader(GradientHeader header, int n, ValueEncoding encoding) {
        return header.toBuilder().setValueEncoding(encoding)
                .setSparse(SparseStreamHeader.newBuilder().setNumRows(n)).build();
    }

    /** {@code gradient} as chunks of its values in {@code encoding}, offsets in elements. */
    static void sendDense(StreamObserver<? super GradientFrame> req, float[] gradient, ValueEncoding encoding,
                          int chunkBytes) {
        int per = denseValuesPerChunk(chunkBytes, encoding);
        for (int from = 0; from < gradient.length; from += per) {
            int count = Math.min(per, gradient.length - from);
            req.onNext(GradientFrame.newBuilder().setChunk(Chunk.newBuilder().setOffset(from)
                    .setData(WireValues.encode(gradient, from, count, encoding))).build());
        }
    }

    /** {@code rows[0, n)} and {@code values[0, n)} as sparse chunks. */
    static void sendSparse(StreamObserver<? super GradientFrame> req, int[] rows, float[] values, int n,
                           ValueEncoding encoding, int chunkBytes) {
        int per = sparseRowsPerChunk(chunkBytes, encoding);
        for (int from = 0; from < n; from += per) {
            int count = Math.min(per, n - from);
            req.onNext(GradientFrame.newBuilder().setSparseChunk(SparseChunk.newBuilder()
                    .setIndices(WireValues.encodeIndices(rows, from, count))
                    .setValues(WireValues.encode(values, from, count, encoding))).build());
        }
    }
}
