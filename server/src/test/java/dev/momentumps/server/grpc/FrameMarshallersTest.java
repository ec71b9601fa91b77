package dev.momentumps.server.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.momentumps.proto.Chunk;
import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.GradientHeader;
import dev.momentumps.proto.InitializeFrame;
import dev.momentumps.proto.PushPullReply;
import dev.momentumps.proto.PushPullRequest;
import dev.momentumps.proto.WeightsFrame;
import dev.momentumps.proto.WeightsHeader;
import dev.momentumps.wire.codec.TensorCodec;
import dev.momentumps.wire.frame.AliasingMarshaller;
import dev.momentumps.wire.frame.FloatChunkFrame;
import dev.momentumps.wire.frame.FrameMarshallers;
import dev.momentumps.wire.frame.InlineFloats;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.internal.CompositeReadableBuffer;
import io.grpc.internal.ForwardingReadableBuffer;
import io.grpc.internal.ReadableBuffers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The frame marshallers against protobuf itself: what {@link FloatChunkFrame} and {@link InlineFloats} write
 * is byte for byte what protobuf writes for the same message, and what {@link AliasingMarshaller} parses out of a message split
 * across many transport buffers (the shape Netty hands over) equals protobuf's parse, views those buffers
 * rather than copying them, and hands every buffer back on release or on a malformed frame.
 */
class FrameMarshallersTest {
    private static final float[] VALUES = random(300_007, 3);

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        a[1] = Float.NaN;
        a[2] = Float.intBitsToFloat(0x7fc00123); // a NaN payload must travel unchanged
        a[3] = -0.0f;
        return a;
    }

    private static byte[] drain(InputStream s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = ((io.grpc.Drainable) s).drainTo(out);
        assertEquals(out.size(), n, "drainTo's count");
        return out.toByteArray();
    }

    /** Offsets 0 (omitted on the wire), small and multi-byte varints; empty, one, odd and > scratch sizes. */
    private static final int[][] SLICES = {
            {0, 0}, {0, 1}, {0, 5}, {5, 0}, {7, 3}, {127, 1}, {128, 9}, {16_385, 1_001},
            {0, 16_384}, {3, 16_385}, {0, VALUES.length}, {VALUES.length - 1, 1}, {VALUES.length, 0},
            {262_144, VALUES.length - 262_144}, // the last, partial chunk of 1 MiB chunks
    };

    @Test
    void chunkFramesAreByteForByteProtobufs() throws IOException {
        for (int[] s : SLICES) {
            Chunk chunk = TensorCodec.encode(VALUES, s[0], s[1]);
            byte[] expected = GradientFrame.newBuilder().setChunk(chunk).build().toByteArray();
            String what = "chunk [" + s[0] + ", +" + s[1] + ")";
            assertArrayEquals(expected, WeightsFrame.newBuilder().setChunk(chunk).build().toByteArray(), what);
            assertArrayEquals(expected, InitializeFrame.newBuilder().setChunk(chunk).build().toByteArray(), what);
            InputStream stream = FrameMarshallers.GRADIENT_OUT.stream(new FloatChunkFrame(VALUES, s[0], s[1]));
            assertEquals(expected.length, stream.available(), what + ": known length");
            assertArrayEquals(expected, drain(stream), what + ": drained");
            assertEquals(0, stream.available(), what + ": nothing left");
            assertArrayEquals(expected, FrameMarshallers.WEIGHTS_OUT.stream(new FloatChunkFrame(VALUES, s[0], s[1]))
                    .readAllBytes(), what + ": read");
        }
    }

    @Test
    void oddSizedReadsThenDrainGiveTheSameBytes() throws IOException {
        FloatChunkFrame f = new FloatChunkFrame(VALUES, 1_000, 4_099);
        byte[] expected = GradientFrame.newBuilder().setChunk(TensorCodec.encode(VALUES, 1_000, 4_099)).build()
                .toByteArray();
        InputStream s = f.stream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        got.write(s.read());
        byte[] buf = new byte[7];
        for (int k = 0; k < 5; k++) { // reads that cut the framing and then floats in the middle
            int n = s.read(buf, 0, buf.length);
            got.write(buf, 0, n);
        }
        got.write(s.read());
        got.write(drain(s));
        assertArrayEquals(expected, got.toByteArray());
        assertEquals(-1, s.read());
    }

    @Test
    void otherMessagesTakeProtobufsSerialisation() throws IOException {
        GradientFrame h = GradientFrame.newBuilder().setHeader(GradientHeader.newBuilder().setWorkerId(3)
                .setBaseVersion(1L << 40).setLoss(0.25).setSequence(9).setReturnWeights(true)).build();
        assertArrayEquals(h.toByteArray(), FrameMarshallers.GRADIENT_OUT.stream(h).readAllBytes());
        WeightsFrame w = WeightsFrame.newBuilder().setHeader(WeightsHeader.newBuilder().setVersion(5)
                .setNumElements(7)).build();
        assertArrayEquals(w.toByteArray(), FrameMarshallers.WEIGHTS_OUT.stream(w).readAllBytes());
    }

    /** PushPull's tensors by reference: counts 0 (field omitted), 1, odd, beyond the scratch; empty heads too. */
    @Test
    void inlineTensorsAreByteForByteProtobufs() throws IOException {
        GradientHeader gh = GradientHeader.newBuilder().setWorkerId(2).setBaseVersion(1L << 33).setSequence(4)
                .setLoss(0.5).setReturnWeights(true).build();
        WeightsHeader wh = WeightsHeader.newBuilder().setVersion(9).setNumElements(VALUES.length).setStaleness(3)
                .setApplied(true).build();
        for (int n : new int[] {0, 1, 5, 16_385, VALUES.length}) {
            String what = n + " values";
            PushPullRequest request = PushPullRequest.newBuilder().setHeader(gh)
                    .setGradient(TensorCodec.encodeBytes(VALUES, 0, n)).build();
            InputStream s = FrameMarshallers.PUSH_PULL.streamRequest(new InlineFloats(
                    PushPullRequest.newBuilder().setHeader(gh).build(), PushPullRequest.GRADIENT_FIELD_NUMBER, VALUES, n));
            assertEquals(request.getSerializedSize(), s.available(), what + ": known length");
            assertArrayEquals(request.toByteArray(), drain(s), what + ": request");
            PushPullReply reply = PushPullReply.newBuilder().setHeader(wh)
                    .setWeights(TensorCodec.encodeBytes(VALUES, 0, n)).build();
            Object byReference = PushPullReplies.BY_REFERENCE.withWeights(wh, VALUES, n);
            assertArrayEquals(reply.toByteArray(), ((InlineFloats) byReference).stream().readAllBytes(), what + ": reply");
            assertEquals(reply, PushPullReplies.PROTO.withWeights(wh, VALUES, n), what + ": the protobuf twin");
            InlineFloats headless = new InlineFloats(PushPullReply.getDefaultInstance(),
                    PushPullReply.WEIGHTS_FIELD_NUMBER, VALUES, n);
            assertArrayEquals(PushPullReply.newBuilder().setWeights(TensorCodec.encodeBytes(VALUES, 0, n)).build()
                    .toByteArray(), drain(headless.stream()), what + ": no header");
        }
    }

    @Test
    void inlineFloatsRefuseAFieldThatCannotHoldThem() {
        PushPullRequest withGradient = PushPullRequest.newBuilder().setGradient(ByteString.copyFromUtf8("x")).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new InlineFloats(withGradient, PushPullRequest.GRADIENT_FIELD_NUMBER, VALUES, 1));
        assertTrue(e.getMessage().contains("gradient is set in head"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new InlineFloats(
                PushPullRequest.getDefaultInstance(), PushPullRequest.HEADER_FIELD_NUMBER, VALUES, 1));
        assertTrue(e.getMessage().contains("no bytes field 1"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> new InlineFloats(
                PushPullReply.getDefaultInstance(), PushPullReply.WEIGHTS_FIELD_NUMBER, VALUES, VALUES.length + 1));
    }

    @Test
    void chunkOutsideTheArrayIsRefused() {
        assertThrows(IndexOutOfBoundsException.class, () -> new FloatChunkFrame(VALUES, VALUES.length, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> new FloatChunkFrame(VALUES, -1, 1));
    }

    /** A message spread over direct buffers of {@code piece} bytes, as a Netty-like detachable stream. */
    private static final class Pieces {
        final List<ByteBuffer> buffers = new ArrayList<>();
        final AtomicInteger closed = new AtomicInteger();
        final InputStream stream;

        Pieces(byte[] message, int piece) {
            CompositeReadableBuffer composite = new CompositeReadableBuffer();
            for (int at = 0; at < message.length; at += piece) {
                int n = Math.min(piece, message.length - at);
                ByteBuffer b = ByteBuffer.allocateDirect(n);
                b.put(message, at, n).flip();
                buffers.add(b);
                composite.addBuffer(new ForwardingReadableBuffer(ReadableBuffers.wrap(b.duplicate())) {
                    @Override
                    public void close() {
                        closed.incrementAndGet();
                        super.close();
                    }
                });
            }
            stream = ReadableBuffers.openStream(composite, true);
        }
    }

    @Test
    void aliasedParseOfManyBuffersEqualsProtobufsAndReleasesThem() throws IOException {
        for (int[] s : SLICES) {
            byte[] wire = GradientFrame.newBuilder().setChunk(TensorCodec.encode(VALUES, s[0], s[1])).build()
                    .toByteArray();
            for (int piece : new int[] {1, 13, 16_384, 1 << 22}) {
                if (wire.length / piece > 50_000) {
                    continue;
                }
                Pieces p = new Pieces(wire, piece);
                int held = AliasingMarshaller.held();
                GradientFrame f = FrameMarshallers.GRADIENT_IN.parse(p.stream);
                String what = "chunk [" + s[0] + ", +" + s[1] + ") in pieces of " + piece;
                assertEquals(GradientFrame.parseFrom(wire), f, what);
                float[] decoded = new float[s[1]];
                TensorCodec.decode(f.getChunk().getData(), decoded, 0);
                for (int i = 0; i < s[1]; i++) {
                    assertEquals(Float.floatToRawIntBits(VALUES[s[0] + i]), Float.floatToRawIntBits(decoded[i]),
                            what + ": value " + i);
                }
                assertEquals(0, p.closed.get(), what + ": buffers kept while the frame is in use");
                AliasingMarshaller.release(f);
                assertEquals(p.buffers.size(), p.closed.get(), what + ": every buffer released");
                assertEquals(held, AliasingMarshaller.held(), what);
                AliasingMarshaller.release(f); // a second release is harmless
                assertEquals(p.buffers.size(), p.closed.get(), what);
            }
        }
    }

    @Test
    void chunkDataViewsTheTransportsBuffersInsteadOfCopying() {
        byte[] wire = WeightsFrame.newBuilder().setChunk(TensorCodec.encode(VALUES, 0, 10_000)).build()
                .toByteArray();
        Pieces p = new Pieces(wire, 4_096);
        WeightsFrame f = FrameMarshallers.WEIGHTS_IN.parse(p.stream);
        ByteString data = f.getChunk().getData();
        byte before = data.byteAt(8_000);
        int pos = 8_000 + (wire.length - data.size()); // the byte's place in the message
        ByteBuffer b = p.buffers.get(pos / 4_096);
        b.put(pos % 4_096, (byte) ~b.get(pos % 4_096));
        assertNotEquals(before, data.byteAt(8_000), "the chunk's data is a view, not a copy");
        AliasingMarshaller.release(f);
        assertEquals(p.buffers.size(), p.closed.get());
    }

    @Test
    void malformedFrameIsAClearErrorAndReleasesTheBuffers() {
        byte[] wire = GradientFrame.newBuilder().setChunk(TensorCodec.encode(VALUES, 4, 1_000)).build()
                .toByteArray();
        byte[] truncated = java.util.Arrays.copyOf(wire, wire.length - 3);
        Pieces p = new Pieces(truncated, 1_000);
        int held = AliasingMarshaller.held();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> FrameMarshallers.GRADIENT_IN.parse(p.stream));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("Invalid protobuf"), e.getStatus().getDescription());
        assertEquals(p.buffers.size(), p.closed.get(), "buffers released after a failed parse");
        assertEquals(held, AliasingMarshaller.held());
    }

    @Test
    void plainStreamsTakeTheOrdinaryParseAndHoldNothing() throws IOException {
        GradientFrame frame = GradientFrame.newBuilder().setChunk(TensorCodec.encode(VALUES, 2, 33)).build();
        int held = AliasingMarshaller.held();
        GradientFrame f = FrameMarshallers.GRADIENT_IN.parse(new ByteArrayInputStream(frame.toByteArray()));
        assertEquals(frame, f);
        assertEquals(held, AliasingMarshaller.held());
        // our own output, as an in-process transport would hand it over, parses too
        assertEquals(frame, FrameMarshallers.GRADIENT_IN.parse(new FloatChunkFrame(VALUES, 2, 33).stream()));
    }

    @Test
    void decodeJoinsFloatsCutBetweenBuffers() {
        byte[] bytes = TensorCodec.encodeBytes(VALUES, 0, 1_000).toByteArray();
        List<ByteString> parts = new ArrayList<>();
        int[] cuts = {0, 1, 2, 7, 8, 9, 1_001, 2_002, 3_999, 4_000};
        for (int k = 0; k + 1 < cuts.length; k++) {
            parts.add(ByteString.copyFrom(bytes, cuts[k], cuts[k + 1] - cuts[k]));
        }
        float[] out = new float[1_002];
        TensorCodec.decode(ByteString.copyFrom(parts), out, 1);
        for (int i = 0; i < 1_000; i++) {
            assertEquals(Float.floatToRawIntBits(VALUES[i]), Float.floatToRawIntBits(out[i + 1]), "value " + i);
        }
        assertEquals(0f, out[0]);
        assertEquals(0f, out[1_001]);
    }
}
