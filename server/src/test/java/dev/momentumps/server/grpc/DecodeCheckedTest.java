package dev.momentumps.server.grpc;

import com.google.protobuf.ByteString;
import dev.momentumps.proto.Chunk;
import dev.momentumps.proto.ValueEncoding;
import dev.momentumps.wire.codec.ChunkAssembler;
import dev.momentumps.wire.codec.FiniteScan;
import dev.momentumps.wire.codec.TensorCodec;
import dev.momentumps.wire.codec.WireValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * The server checks streamed float32 gradients for NaN/Inf while decoding them, block by block
 * ({@link TensorCodec#decodeChecked}), and tells the core so ({@link ChunkAssembler#knownFinite}): the answer
 * must be exactly "every value finite", wherever a bad value sits (inside a block, on a block edge, in a
 * float cut between two transport buffers, last), and the decoded values must be those of the plain decode.
 */
class DecodeCheckedTest {
    private static final int N = 3 * FiniteScan.BLOCK + 11;

    private static float[] values() {
        float[] v = new float[N];
        Random r = new Random(5);
        for (int i = 0; i < N; i++) {
            v[i] = (float) (r.nextGaussian() * (i % 7 == 0 ? 1e30 : 1e-3));
        }
        v[1] = -0f;
        v[2] = Float.MAX_VALUE;
        return v;
    }

    /** The values' bytes cut into transport-like pieces, some cuts inside a float. */
    private static ByteString pieces(float[] v) {
        byte[] bytes = TensorCodec.encodeBytes(v, 0, v.length).toByteArray();
        int[] cuts = {0, 3, 4 * FiniteScan.BLOCK + 2, 4 * FiniteScan.BLOCK + 5, 9 * FiniteScan.BLOCK + 1,
                bytes.length - 6, bytes.length};
        List<ByteString> parts = new ArrayList<>();
        for (int k = 0; k + 1 < cuts.length; k++) {
            parts.add(ByteString.copyFrom(bytes, cuts[k], cuts[k + 1] - cuts[k]));
        }
        return ByteString.copyFrom(parts);
    }

    @Test
    void decodesExactlyAsThePlainDecodeAndSaysFinite() {
        float[] v = values();
        float[] plain = new float[N + 2];
        float[] checked = new float[N + 2];
        TensorCodec.decode(pieces(v), plain, 1);
        assertTrue(TensorCodec.decodeChecked(pieces(v), checked, 1));
        assertArrayEquals(plain, checked);
        for (int i = 0; i < N; i++) {
            assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(checked[i + 1]), "value " + i);
        }
    }

    @Test
    void oneBadValueAnywhereIsFound() {
        int b = FiniteScan.BLOCK;
        // floats cut between two pieces (see pieces()): 0 (byte 3), b (byte 4b+2), b+1 (byte 4b+5),
        // (9b+1)/4 (byte 9b+1), N-2 (byte 4N-6); block edges b-1, b, 2b; 1; and N-1, last in the last piece
        int[] positions = {0, 1, b - 1, b, b + 1, (9 * b + 1) / 4, 2 * b, N - 2, N - 1};
        for (int pos : positions) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                    Float.intBitsToFloat(0x7fa00001)}) {
                float[] v = values();
                v[pos] = bad;
                float[] out = new float[N];
                assertFalse(TensorCodec.decodeChecked(pieces(v), out, 0), "pos " + pos + " " + bad);
                assertEquals(Float.floatToRawIntBits(bad), Float.floatToRawIntBits(out[pos]), "decoded as is");
            }
        }
    }

    @Test
    void theAssemblerKnowsFiniteOnlyForCheckedFloat32Chunks() {
        float[] v = values();
        ChunkAssembler ok = new ChunkAssembler(new float[N]);
        for (Chunk c : TestChunks.of(v, 4096)) {
            ok.accept(c);
        }
        assertArrayEquals(v, ok.finish());
        assertTrue(ok.knownFinite());

        v[N - 1] = Float.NaN;
        ChunkAssembler bad = new ChunkAssembler(new float[N]);
        for (Chunk c : TestChunks.of(v, 4096)) {
            bad.accept(c);
        }
        assertFalse(bad.knownFinite(), "a NaN in the last chunk");

        // float16 values are decoded but not checked: never "known finite", so the core scans them
        float[] small = {0.5f, -2f, 1024f};
        ChunkAssembler half = new ChunkAssembler(new float[3], ValueEncoding.FLOAT16);
        half.accept(Chunk.newBuilder().setOffset(0).setData(WireValues.encode(small, 3, ValueEncoding.FLOAT16))
                .build());
        assertArrayEquals(small, half.finish());
        assertFalse(half.knownFinite());

        // a worker's assembler of the server's weights decodes the same values and vouches for none
        float[] clean = values();
        ChunkAssembler unchecked = ChunkAssembler.unchecked(new float[N]);
        for (Chunk c : TestChunks.of(clean, 4096)) {
            unchecked.accept(c);
        }
        assertArrayEquals(clean, unchecked.finish());
        assertFalse(unchecked.knownFinite());
    }

    @Test
    void aRangeIsCheckedAndNothingOutsideIt() {
        float[] a = new float[2 * FiniteScan.BLOCK + 3];
        a[0] = Float.NaN;
        a[a.length - 1] = Float.POSITIVE_INFINITY;
        assertTrue(FiniteScan.allFinite(a, 1, a.length - 1));
        assertFalse(FiniteScan.allFinite(a, 0, 5));
        assertFalse(FiniteScan.allFinite(a, a.length - 5, a.length));
        assertTrue(FiniteScan.allFinite(a, 3, 3));
    }
}
