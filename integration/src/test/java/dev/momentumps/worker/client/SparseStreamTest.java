package dev.momentumps.worker.client;

import com.google.protobuf.ByteString;
import dev.momentumps.proto.Chunk;
import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.GradientHeader;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.PushPullRequest;
import dev.momentumps.proto.SparseChunk;
import dev.momentumps.proto.SparseStreamHeader;
import dev.momentumps.proto.ValueEncoding;
import dev.momentumps.proto.WeightsFrame;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.NonFinitePolicy;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.inprocess.InProcessParameterClient;
import dev.momentumps.server.optim.HeavyBallMomentum;
import dev.momentumps.server.optim.Sgd;
import dev.momentumps.server.optim.UpdateRule;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.Float16;
import dev.momentumps.wire.codec.WireValues;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * Sparse gradients bigger than one chunk as {@code SparseChunk}s on the streaming Push, and dense float16
 * chunks on it: the same results as the unary sparse call and as the dense push, every malformed stream
 * refused naming the field with the server unchanged, and float16 halving the bytes the Push call sends.
 */
class SparseStreamTest {
    /** Small, so that a few hundred rows already take several chunks (a sparse row is 8 bytes in fp32). */
    private static final int SMALL_CHUNK = 200;
    private final List<ServerHost> hosts = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final AtomicLong pushBytes = new AtomicLong();

    /** A server with {@code rule}, and a client registered and initialised on it. */
    private record Node(ParameterServerCore core, GrpcParameterClient client, ManagedChannel channel) {
        float[] velocity() {
            float[] v = core.rule().state().get("velocity");
            return v == null ? new float[0] : v;
        }
    }

    private Node start(int n, int chunkBytes, Supplier<UpdateRule> rule) throws Exception {
        ParameterServerCore core = new ParameterServerCore(rule.get(), t -> 0.1f, 0, new Asynchronous(), 1);
        String name = InProcessServerBuilder.generateName();
        hosts.add(new ServerHost(InProcessServerBuilder.forName(name).directExecutor(), core, name, chunkBytes,
                10_000).start());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor()
                .intercept(new PushByteCounter()).build();
        channels.add(channel);
        GrpcParameterClient c = new GrpcParameterClient(channel, false, 10_000, Transport.TCP);
        c.register(0, "test");
        c.initialize(TensorLayout.of("w", n), initial(n));
        return new Node(core, c, channel);
    }

    private static Supplier<UpdateRule> momentum() {
        return () -> new HeavyBallMomentum(0.1, 0.9, 0, false);
    }

    private static float[] initial(int n) {
        return SparseGrpcTest.initial(n);
    }

    @AfterEach
    void stop() throws Exception {
        for (ManagedChannel c : channels) {
            c.shutdownNow();
        }
        for (ServerHost h : hosts) {
            h.stop(2_000);
        }
    }

    /** Push {@code s}: about a third of the rows, a different set each time, with values of mixed sign. */
    private static int sparseStep(int s, int n, int[] rows, float[] values) {
        Random r = new Random(100 + s);
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (r.nextInt(3) == 0) {
                rows[k] = i;
                values[k++] = (float) r.nextGaussian() * 0.5f;
            }
        }
        return k;
    }

    private void chunkedEqualsUnaryEqualsDense(Supplier<UpdateRule> rule, boolean half, float denseTolerance)
            throws Exception {
        int n = 997;
        Node chunked = start(n, SMALL_CHUNK, rule);       // ~330 rows a push: 14 (fp32) or 11 (fp16) chunks
        Node unary = start(n, 1 << 20, rule);             // all rows fit one message: the unary SparseGradient
        Node dense = start(n, 1 << 20, rule);
        int[] rows = new int[n];
        float[] values = new float[n];
        float[] wChunked = new float[n];
        float[] wUnary = new float[n];
        float[] wDense = new float[n];
        for (int s = 0; s < 6; s++) {
            int k = sparseStep(s, n, rows, values);
            chunked.client().pushSparse(s, s + 1, n, rows, values, k, half, 0.5, 8, wChunked);
            assertEquals(Transport.SPARSE_STREAM, chunked.client().lastTransport());
            unary.client().pushSparse(s, s + 1, n, rows, values, k, half, 0.5, 8, wUnary);
            assertEquals(Transport.SPARSE, unary.client().lastTransport());
            float[] g = new float[n];
            for (int j = 0; j < k; j++) {
                g[rows[j]] = half ? Float16.roundSaturating(values[j]) : values[j];
            }
            dense.client().push(s, s + 1, g, 0.5, 8, wDense);
            assertArrayEquals(wUnary, wChunked, "step " + (s + 1) + ": chunked vs unary sparse, bit for bit");
            assertArrayEquals(wDense, wChunked, denseTolerance, "step " + (s + 1) + ": chunked sparse vs dense");
        }
        assertEquals(6, chunked.core().version());
        assertArrayEquals(unary.core().weights(), chunked.core().weights());
        assertArrayEquals(unary.velocity(), chunked.velocity());
        assertArrayEquals(dense.core().weights(), chunked.core().weights(), denseTolerance);
        assertArrayEquals(dense.velocity(), chunked.velocity(), denseTolerance);
    }

    @Test
    void chunkedSparseSgdEqualsUnarySparseAndDenseBitForBit() throws Exception {
        chunkedEqualsUnaryEqualsDense(() -> new Sgd(0.1, 0), false, 0f);
    }

    @Test
    void chunkedSparseMomentumEqualsUnarySparseBitForBitAndDenseWithinRounding() throws Exception {
        chunkedEqualsUnaryEqualsDense(momentum(), false, 1e-6f);
    }

    @Test
    void chunkedSparseFloat16EqualsUnarySparseFloat16() throws Exception {
        chunkedEqualsUnaryEqualsDense(momentum(), true, 1e-6f);
    }

    @Test
    void chunkBoundariesAtOddPlacesGiveTheSameResult() throws Exception {
        int n = 101;
        Node streamed = start(n, 1 << 20, momentum());
        Node unary = start(n, 1 << 20, momentum());
        int[] rows = new int[n];
        float[] values = new float[n];
        int k = sparseStep(0, n, rows, values);
        int[] cuts = {1, 0, 7, 3, 13}; // then the rest: an empty chunk, one row, sizes that are not a pattern
        List<GradientFrame> frames = new ArrayList<>();
        int from = 0;
        for (int c : cuts) {
            frames.add(sparseChunk(rows, values, from, c, ValueEncoding.FLOAT32));
            from += c;
        }
        frames.add(sparseChunk(rows, values, from, k - from, ValueEncoding.FLOAT32));
        push(streamed.channel(), sparseHeader(1, k, ValueEncoding.FLOAT32), frames);
        unary.client().pushSparse(0, 1, n, rows, values, k, false, 0.5, 8, new float[n]);
        assertArrayEquals(unary.core().weights(), streamed.core().weights());
        assertArrayEquals(unary.velocity(), streamed.velocity());
        assertEquals(1, streamed.core().version());
    }

    @Test
    void everyMalformedSparseStreamIsRefusedNamingTheFieldAndChangesNothing() throws Exception {
        int n = 50;
        Node node = start(n, SMALL_CHUNK, momentum());
        node.client().pushSparse(0, 1, n, new int[] {1, 7}, new float[] {1, -2}, 2, false, 0.5, 8, null);
        float[] w = node.core().weights();
        float[] v = node.velocity();
        ValueEncoding f32 = ValueEncoding.FLOAT32;
        int[] rows = {2, 5, 9, 9, 30};
        float[] vals = {1, 2, 3, 4, 5};
        // index equal to the last one of the previous chunk
        refused(node, sparseHeader(2, 5, f32), List.of(sparseChunk(rows, vals, 0, 3, f32),
                sparseChunk(rows, vals, 3, 2, f32)), "sparse_chunk.indices[3] (chunk 1) is 9 after 9");
        // decreasing across the boundary
        refused(node, sparseHeader(2, 4, f32), List.of(sparseChunk(new int[] {2, 20}, vals, 0, 2, f32),
                sparseChunk(new int[] {11, 12}, vals, 0, 2, f32)), "sparse_chunk.indices[2] (chunk 1) is 11 after 20");
        refused(node, sparseHeader(2, 3, f32), List.of(sparseChunk(new int[] {2}, vals, 0, 1, f32),
                sparseChunk(new int[] {3, 50}, vals, 0, 2, f32)), "sparse_chunk.indices[2] (chunk 1) is 50, not in [0, 50)");
        refused(node, sparseHeader(2, 2, f32), List.of(sparseChunk(new int[] {-1, 3}, vals, 0, 2, f32)),
                "sparse_chunk.indices[0] (chunk 0) is -1");
        // counts: fewer rows than announced, more rows, values not one per index, too many announced
        refused(node, sparseHeader(2, 5, f32), List.of(sparseChunk(rows, vals, 0, 3, f32)),
                "sparse_chunk: received 3 rows in 1 chunks, header.sparse.num_rows says 5");
        refused(node, sparseHeader(2, 2, f32), List.of(sparseChunk(rows, vals, 0, 3, f32)),
                "run past header.sparse.num_rows = 2");
        refused(node, sparseHeader(2, 2, f32), List.of(GradientFrame.newBuilder().setSparseChunk(SparseChunk
                        .newBuilder().setIndices(WireValues.encodeIndices(rows, 2))
                        .setValues(WireValues.encode(vals, 1, f32))).build()),
                "sparse_chunk.values (chunk 0): 4 bytes, expected 8");
        refused(node, sparseHeader(2, 2, f32), List.of(GradientFrame.newBuilder().setSparseChunk(SparseChunk
                        .newBuilder().setIndices(ByteString.copyFrom(new byte[] {2, 0, 0, 0, 5}))
                        .setValues(WireValues.encode(vals, 1, f32))).build()),
                "sparse_chunk.indices (chunk 0): 5 bytes");
        refused(node, sparseHeader(2, 51, f32), List.of(), "header.sparse.num_rows: 51, not in [0, 50]");
        // float16 values of a chunk with an odd byte count
        refused(node, sparseHeader(2, 1, ValueEncoding.FLOAT16), List.of(GradientFrame.newBuilder()
                        .setSparseChunk(SparseChunk.newBuilder().setIndices(WireValues.encodeIndices(rows, 1))
                                .setValues(ByteString.copyFrom(new byte[] {0, 60, 0}))).build()),
                "sparse_chunk.values (chunk 0): 3 bytes, expected 2");
        // NaN / Inf in a later chunk
        float[] nan = {1, 2, 3, Float.NaN, 5};
        refused(node, sparseHeader(2, 5, f32), List.of(sparseChunk(new int[] {0, 1, 2, 3, 4}, nan, 0, 2, f32),
                sparseChunk(new int[] {0, 1, 2, 3, 4}, nan, 2, 3, f32)),
                "sparse_chunk.values[3] (chunk 1, row 3) is NaN");
        float[] inf = {Float.POSITIVE_INFINITY};
        refused(node, sparseHeader(2, 2, f32), List.of(sparseChunk(new int[] {0}, vals, 0, 1, f32),
                sparseChunk(new int[] {4}, inf, 0, 1, f32)), "sparse_chunk.values[1] (chunk 1, row 4) is Infinity");
        // frames of the wrong kind, an unknown encoding
        refused(node, sparseHeader(2, 1, f32), List.of(GradientFrame.newBuilder().setChunk(Chunk.newBuilder()
                .setData(WireValues.encode(vals, 1, f32))).build()), "chunk: a sparse push (header.sparse set)");
        refused(node, header(2).build(), List.of(sparseChunk(rows, vals, 0, 1, f32)),
                "sparse_chunk: only in a sparse push");
        refused(node, header(2).setValueEncodingValue(7).build(), List.of(), "header.value_encoding: 7");
        assertUnchanged(node, w, v);
        // the stream-only fields are refused on the unary call
        ParameterServerGrpc.ParameterServerBlockingStub stub = ParameterServerGrpc.newBlockingStub(node.channel());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.pushPull(PushPullRequest
                .newBuilder().setHeader(sparseHeader(2, 1, f32)).setGradient(WireValues.encode(new float[n], n, f32))
                .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("header.sparse: Push only"), e.getStatus().getDescription());
        assertUnchanged(node, w, v);
        // sequence 2 was not used up by any refusal
        node.client().pushSparse(1, 2, n, rows, vals, 3, false, 0.5, 8, null);
        assertEquals(2, node.core().version());
    }

    @Test
    void malformedFloat16DenseStreamsAreRefusedAndChangeNothing() throws Exception {
        int n = 50;
        Node node = start(n, SMALL_CHUNK, momentum());
        node.client().push(0, 1, initial(n), 0.5, 8, null);
        float[] w = node.core().weights();
        float[] v = node.velocity();
        GradientHeader half = header(2).setValueEncoding(ValueEncoding.FLOAT16).build();
        ByteString all = WireValues.encode(initial(n), n, ValueEncoding.FLOAT16);
        refused(node, half, List.of(denseChunk(0, all.substring(0, 41))),
                "chunk.data: 41 bytes is not a whole number of float16 values");
        refused(node, half, List.of(denseChunk(0, all.substring(0, 40)), denseChunk(20, all.substring(40, 98))),
                "chunks: received 49 of 50 elements");
        refused(node, half, List.of(denseChunk(0, all), denseChunk(50, all.substring(0, 2))),
                "chunk.data: chunk at offset 50 with 1 values runs past");
        refused(node, half, List.of(denseChunk(0, all.substring(0, 40)), denseChunk(40, all.substring(40))),
                "chunk.offset: expected 20");
        // float32 chunk lengths under a FLOAT16 header: 100 float32 bytes are 50 halves, but 200 are 100
        refused(node, half, List.of(denseChunk(0, WireValues.encode(initial(n), n, ValueEncoding.FLOAT32))),
                "runs past the tensor's 50 elements");
        float[] nan = initial(n);
        nan[45] = Float.NaN;
        refused(node, half, List.of(denseChunk(0, WireValues.encode(nan, n, ValueEncoding.FLOAT16))),
                "gradient");
        assertUnchanged(node, w, v);
        node.client().pushHalf(1, 2, initial(n), 0.5, 8, null);
        assertEquals(2, node.core().version());
    }

    @Test
    void nonFiniteValuesInALaterChunkFollowThePolicy() throws Exception {
        int n = 20;
        Node node = start(n, SMALL_CHUNK, momentum());
        node.core().setNonFinitePolicy(NonFinitePolicy.SKIP);
        float[] w = node.core().weights();
        float[] nan = {1, Float.NaN};
        SingleReply<WeightsFrame> reply = push(node.channel(), sparseHeader(1, 2, ValueEncoding.FLOAT32),
                List.of(sparseChunk(new int[] {3, 4}, nan, 0, 1, ValueEncoding.FLOAT32),
                        sparseChunk(new int[] {3, 4}, nan, 1, 1, ValueEncoding.FLOAT32)));
        assertFalse(reply.await(5_000).getHeader().getApplied(), "skip: dropped, not refused");
        assertArrayEquals(w, node.core().weights());
    }

    @Test
    void float16HalvesTheBytesTheStreamingPushSends() throws Exception {
        int n = 100_000; // 400 KB in float32: many 64 KiB chunks, so the stream (not the unary call)
        Node a = start(n, 64 << 10, momentum());
        Node b = start(n, 64 << 10, momentum());
        float[] g = initial(n);
        for (int i = 0; i < n; i++) {
            g[i] *= 0.01f;
        }
        pushBytes.set(0);
        a.client().push(0, 1, g, 0.5, 8, null);
        assertEquals(Transport.STREAM, a.client().lastTransport());
        long full = pushBytes.getAndSet(0);
        b.client().pushHalf(0, 1, g, 0.5, 8, null);
        assertEquals(Transport.STREAM, b.client().lastTransport());
        long half = pushBytes.get();
        assertTrue(full >= 4L * n && half >= 2L * n, full + " / " + half);
        double ratio = (double) half / full;
        assertTrue(ratio > 0.49 && ratio < 0.51, "fp16 sends " + half + " bytes vs " + full + " (" + ratio + ")");
        // the server applied exactly the halves, widened
        ParameterServerCore ref = new ParameterServerCore(momentum().get(), t -> 0.1f, 0, new Asynchronous(), 1);
        InProcessParameterClient local = new InProcessParameterClient(ref, 10_000);
        local.register(0, "ref");
        local.initialize(TensorLayout.of("w", n), initial(n));
        local.pushHalf(0, 1, g, 0.5, 8, null);
        assertArrayEquals(ref.weights(), b.core().weights());
        assertFalse(java.util.Arrays.equals(a.core().weights(), b.core().weights()), "halves differ from floats");
    }

    @Test
    void chunkedSparseFloat16SendsThreeQuartersOfFloat32() throws Exception {
        int n = 997;
        Node a = start(n, SMALL_CHUNK, momentum());
        Node b = start(n, SMALL_CHUNK, momentum());
        int[] rows = new int[n];
        float[] values = new float[n];
        int k = sparseStep(0, n, rows, values);
        pushBytes.set(0);
        a.client().pushSparse(0, 1, n, rows, values, k, false, 0.5, 8, null);
        long full = pushBytes.getAndSet(0);
        b.client().pushSparse(0, 1, n, rows, values, k, true, 0.5, 8, null);
        long half = pushBytes.get();
        assertTrue(full >= 8L * k && half >= 6L * k, full + " / " + half);
        double ratio = (double) half / full;
        assertTrue(ratio > 0.74 && ratio < 0.80, "fp16 sparse sends " + half + " vs " + full + " (" + ratio + ")");
    }

    // ---- helpers

    private static GradientHeader.Builder header(long sequence) {
        return GradientHeader.newBuilder().setWorkerId(0).setBaseVersion(0).setSequence(sequence).setBatchSize(8);
    }

    private static GradientHeader sparseHeader(long sequence, long rows, ValueEncoding enc) {
        return header(sequence).setValueEncoding(enc).setSparse(SparseStreamHeader.newBuilder().setNumRows(rows))
                .build();
    }

    private static GradientFrame sparseChunk(int[] rows, float[] values, int from, int count, ValueEncoding enc) {
        return GradientFrame.newBuilder().setSparseChunk(SparseChunk.newBuilder()
                .setIndices(WireValues.encodeIndices(rows, from, count))
                .setValues(WireValues.encode(values, from, count, enc))).build();
    }

    private static GradientFrame denseChunk(long offset, ByteString data) {
        return GradientFrame.newBuilder().setChunk(Chunk.newBuilder().setOffset(offset).setData(data)).build();
    }

    /** A raw Push: the header, the frames, half-close; the reply's first frame (or the failure). */
    private static SingleReply<WeightsFrame> push(ManagedChannel channel, GradientHeader header,
                                                  List<GradientFrame> frames) {
        SingleReply<WeightsFrame> reply = new SingleReply<>("Push");
        StreamObserver<GradientFrame> req = ParameterServerGrpc.newStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .push(reply);
        req.onNext(GradientFrame.newBuilder().setHeader(header).build());
        frames.forEach(req::onNext);
        req.onCompleted();
        return reply;
    }

    private static void refused(Node node, GradientHeader header, List<GradientFrame> frames, String message) {
        SingleReply<WeightsFrame> reply = push(node.channel(), header, frames);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> reply.await(5_000));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().contains(message),
                "expected '" + message + "' in: " + e.getStatus().getDescription());
    }

    private static void assertUnchanged(Node node, float[] w, float[] v) {
        assertEquals(1, node.core().version());
        assertEquals(1, node.core().status().gradientsApplied());
        assertArrayEquals(w, node.core().weights());
        assertArrayEquals(v, node.velocity());
    }

    /** Counts the serialized bytes of every message the Push calls send (protobuf encoding, before gRPC framing). */
    private final class PushByteCounter implements ClientInterceptor {
        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            ClientCall<Q, A> call = next.newCall(method, options);
            if (!method.getBareMethodName().equals("Push")) {
                return call;
            }
            return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                @Override
                public void sendMessage(Q message) {
                    // the call's own marshaller: protobuf messages and FloatChunkFrames alike know their length
                    try (java.io.InputStream encoded = method.streamRequest(message)) {
                        pushBytes.addAndGet(encoded.available());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    super.sendMessage(message);
                }
            };
        }
    }
}
