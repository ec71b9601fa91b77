package dev.momentumps.server.grpc;

import dev.momentumps.proto.Chunk;
import dev.momentumps.wire.codec.TensorCodec;
import java.util.ArrayList;
import java.util.List;

/** Splits a vector into wire chunks of {@code chunkBytes}, as a well-behaved client would (for tests). */
final class TestChunks {
    private TestChunks() {
    }

    static List<Chunk> of(float[] v, int chunkBytes) {
        List<Chunk> out = new ArrayList<>();
        int per = TensorCodec.elementsPerChunk(chunkBytes);
        for (int from = 0; from < v.length; from += per) {
            out.add(TensorCodec.encode(v, from, Math.min(per, v.length - from)));
        }
        return out;
    }
}
