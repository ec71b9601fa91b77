package dev.momentumps.server.grpc;

import com.google.protobuf.ByteString;
import dev.momentumps.proto.Chunk;
import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.GradientHeader;
import dev.momentumps.proto.InitializeFrame;
import dev.momentumps.proto.InitializeHeader;
import dev.momentumps.proto.InitializeReply;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.PullRequest;
import dev.momentumps.proto.RegisterReply;
import dev.momentumps.proto.RegisterRequest;
import dev.momentumps.proto.StatusReply;
import dev.momentumps.proto.StatusRequest;
import dev.momentumps.proto.WeightsFrame;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.FixtureRule;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.ProtoMapping;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.ChunkAssembler;
import dev.momentumps.wire.codec.TensorCodec;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** The service on an in-process transport, driven by raw frames so that malformed streams can be sent. */
class ParameterServerServiceTest {
    private static final int CHUNK_BYTES = 64;
    private ServerHost host;
    private ManagedChannel channel;
    private ParameterServerCore core;

    @BeforeEach
    void start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        core = new ParameterServerCore(new FixtureRule(), t -> 0.5f, 0, new Asynchronous(), 1);
        host = new ServerHost(InProcessServerBuilder.forName(name).directExecutor(), core, name, CHUNK_BYTES,
                2_000).start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow();
        host.stop(1_000);
    }

    private ParameterServerGrpc.ParameterServerBlockingStub blocking() {
        return ParameterServerGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    }

    private int register() {
        RegisterReply r = blocking().register(RegisterRequest.newBuilder().setRank(0).setName("t").build());
        assertEquals(CHUNK_BYTES, r.getChunkBytes());
        return r.getWorkerId();
    }

    /** Sends frames on a client stream and returns the reply frames or the failure status. */
    private static <F, R> Reply<R> call(java.util.function.Function<StreamObserver<R>, StreamObserver<F>> open,
                                        List<F> frames) throws Exception {
        Reply<R> reply = new Reply<>();
        StreamObserver<F> req = open.apply(reply);
        for (F f : frames) {
            req.onNext(f);
        }
        req.onCompleted();
        reply.done.get(5, TimeUnit.SECONDS);
        return reply;
    }

    static final class Reply<R> implements StreamObserver<R> {
        final List<R> values = new ArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        Status status = Status.OK;

        @Override
        public void onNext(R value) {
            values.add(value);
        }

        @Override
        public void onError(Throwable t) {
            status = Status.fromThrowable(t);
            done.complete(null);
        }

        @Override
        public void onCompleted() {
            done.complete(null);
        }
    }

    private static List<Chunk> chunks(float[] v) {
        return TestChunks.of(v, CHUNK_BYTES);
    }

    private void initialize(int id, TensorLayout layout, float[] w) throws Exception {
        List<InitializeFrame> frames = new ArrayList<>();
        frames.add(InitializeFrame.newBuilder().setHeader(InitializeHeader.newBuilder().setWorkerId(id)
                .setLayout(ProtoMapping.toProto(layout))).build());
        for (Chunk c : chunks(w)) {
            frames.add(InitializeFrame.newBuilder().setChunk(c).build());
        }
        Reply<InitializeReply> r = ParameterServerServiceTest.<InitializeFrame, InitializeReply>call(
                o -> ParameterServerGrpc.newStub(channel).initialize(o), frames);
        assertTrue(r.status.isOk(), r.status::toString);
    }

    private Reply<WeightsFrame> push(GradientHeader header, List<Chunk> chunks) throws Exception {
        List<GradientFrame> frames = new ArrayList<>();
        frames.add(GradientFrame.newBuilder().setHeader(header).build());
        for (Chunk c : chunks) {
            frames.add(GradientFrame.newBuilder().setChunk(c).build());
        }
        return ParameterServerServiceTest.<GradientFrame, WeightsFrame>call(
                o -> ParameterServerGrpc.newStub(channel).push(o), frames);
    }

    private static float[] weightsOf(List<WeightsFrame> frames, int n) {
        float[] w = new float[n];
        ChunkAssembler a = new ChunkAssembler(w);
        for (WeightsFrame f : frames) {
            if (f.hasChunk()) {
                a.accept(f.getChunk());
            }
        }
        a.finish();
        return w;
    }

    @Test
    void pushAndPullInOneRoundTripAcrossManyChunks() throws Exception {
        int id = register();
        int n = 100; // 25 chunks of 16 values at 64 bytes a chunk
        float[] w0 = new float[n];
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            w0[i] = i;
            g[i] = 2 * i;
        }
        initialize(id, TensorLayout.builder().add("a", 10, 5).add("b", 50).build(), w0);
        Reply<WeightsFrame> r = push(GradientHeader.newBuilder().setWorkerId(id).setBaseVersion(0).setSequence(1)
                .setReturnWeights(true).setLoss(1.5).build(), chunks(g));
        assertTrue(r.status.isOk(), r.status::toString);
        assertEquals(1, r.values.get(0).getHeader().getVersion());
        assertTrue(r.values.get(0).getHeader().getApplied());
        float[] expect = new float[n];
        for (int i = 0; i < n; i++) {
            expect[i] = w0[i] - 0.5f * g[i];
        }
        assertArrayEquals(expect, weightsOf(r.values, n));

        Iterator<WeightsFrame> pulled = blocking().pull(PullRequest.newBuilder().setWorkerId(id).build());
        List<WeightsFrame> frames = new ArrayList<>();
        pulled.forEachRemaining(frames::add);
        assertEquals(1, frames.get(0).getHeader().getVersion());
        assertArrayEquals(expect, weightsOf(frames, n));

        StatusReply s = blocking().status(StatusRequest.getDefaultInstance());
        assertEquals(1, s.getGradientsApplied());
        assertEquals(1.5, s.getRecentLoss());
        assertEquals("fixture(lr=0.5)", s.getUpdateRule());
    }

    @Test
    void malformedStreamsGetInvalidArgumentNamingTheFieldAndChangeNothing() throws Exception {
        int id = register();
        float[] w0 = new float[40];
        initialize(id, TensorLayout.of("w", 40), w0);
        float[] g = new float[40];
        java.util.Arrays.fill(g, 1);
        List<Chunk> good = chunks(g);
        GradientHeader h = GradientHeader.newBuilder().setWorkerId(id).setSequence(1).build();

        List<Chunk> reversed = new ArrayList<>(good);
        java.util.Collections.reverse(reversed);
        expect(push(h, reversed), Status.Code.INVALID_ARGUMENT, "chunk.offset");
        expect(push(h, good.subList(0, 1)), Status.Code.INVALID_ARGUMENT, "missing chunks");
        expect(push(h, List.of(Chunk.newBuilder().setData(ByteString.copyFrom(new byte[7])).build())),
                Status.Code.INVALID_ARGUMENT, "chunk.data");
        List<Chunk> extra = new ArrayList<>(good);
        extra.add(TensorCodec.encode(new float[] {1}, 0, 1).toBuilder().setOffset(40).build());
        expect(push(h, extra), Status.Code.INVALID_ARGUMENT, "runs past");
        g[3] = Float.NaN;
        expect(push(h, chunks(g)), Status.Code.INVALID_ARGUMENT, "gradient[3] is NaN");
        expect(push(h.toBuilder().setWorkerId(42).build(), good), Status.Code.NOT_FOUND, "worker_id");
        expect(push(h.toBuilder().setBaseVersion(3).build(), good), Status.Code.OUT_OF_RANGE, "base_version");
        expect(ParameterServerServiceTest.<GradientFrame, WeightsFrame>call(
                o -> ParameterServerGrpc.newStub(channel).push(o),
                List.of(GradientFrame.newBuilder().setChunk(good.get(0)).build())),
                Status.Code.INVALID_ARGUMENT, "header");

        assertEquals(0, core.version());
        assertArrayEquals(w0, core.weights());
        // and the sequence number is still free
        assertTrue(push(h, good).status.isOk());
        assertEquals(1, core.version());
    }

    @Test
    void aTensorFarPastTheDefaultMessageLimitStreamsInChunks() throws Exception {
        // 8 MiB of weights at the default 1 MiB chunks: no message comes near the 4 MiB limit
        String name = InProcessServerBuilder.generateName();
        ParameterServerCore big = new ParameterServerCore(new FixtureRule(), t -> 0.5f, 0, new Asynchronous(), 2);
        ServerHost h = new ServerHost(InProcessServerBuilder.forName(name), big, name,
                TensorCodec.DEFAULT_CHUNK_BYTES, 2_000).start();
        ManagedChannel ch = InProcessChannelBuilder.forName(name).build();
        try {
            int n = 2 << 20;
            int id = big.register(0, "w");
            float[] w = new float[n];
            w[n - 1] = 7;
            big.initialize(id, TensorLayout.of("w", n), w);
            Iterator<WeightsFrame> it = ParameterServerGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .pull(PullRequest.newBuilder().setWorkerId(ParameterServerCore.OBSERVER).build());
            List<WeightsFrame> frames = new ArrayList<>();
            it.forEachRemaining(frames::add);
            assertEquals(1 + 8, frames.size(), "a header and eight 1 MiB chunks");
            assertEquals(7f, weightsOf(frames, n)[n - 1]);
        } finally {
            ch.shutdownNow();
            h.stop(1_000);
        }
    }

    @Test
    void secondInitialiseWithAnotherLayoutIsFailedPrecondition() throws Exception {
        int id = register();
        initialize(id, TensorLayout.of("w", 4), new float[4]);
        Reply<InitializeReply> r = ParameterServerServiceTest.<InitializeFrame, InitializeReply>call(
                o -> ParameterServerGrpc.newStub(channel).initialize(o),
                List.of(InitializeFrame.newBuilder().setHeader(InitializeHeader.newBuilder().setWorkerId(id)
                        .setLayout(ProtoMapping.toProto(TensorLayout.of("v", 4)))).build(),
                        InitializeFrame.newBuilder().setChunk(TensorCodec.encode(new float[4], 0, 4)).build()));
        expect(r, Status.Code.FAILED_PRECONDITION, "already initialised");
        assertFalse(core.layout().tensors().get(0).name().equals("v"));
    }

    private static void expect(Reply<?> r, Status.Code code, String fragment) {
        assertEquals(code, r.status.getCode(), r.status::toString);
        assertTrue(r.status.getDescription().contains(fragment),
                () -> "'" + r.status.getDescription() + "' should mention " + fragment);
    }
}
