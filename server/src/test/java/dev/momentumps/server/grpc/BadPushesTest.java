package dev.momentumps.server.grpc;

import com.google.protobuf.ByteString;
import dev.momentumps.proto.Chunk;
import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.GradientHeader;
import dev.momentumps.proto.InitializeFrame;
import dev.momentumps.proto.InitializeHeader;
import dev.momentumps.proto.InitializeReply;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.RegisterRequest;
import dev.momentumps.proto.WeightsFrame;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import dev.momentumps.wire.ProtoMapping;
import dev.momentumps.wire.TensorLayout;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * Every kind of bad push, sent over real loopback TCP between good ones: each gets its precise status and
 * the run ends with exactly (bit for bit) the weights of the same run without them.
 */
class BadPushesTest {
    private static final int N = 300;
    private static final int CHUNK_BYTES = 256; // 64 floats a chunk: 5 chunks a tensor

    /** One server on loopback, and a client channel to it. */
    private static final class Server implements AutoCloseable {
        final ParameterServerCore core;
        final ServerHost host;
        final ManagedChannel channel;

        Server() throws Exception {
            OptimizerConfig c = OptimizerConfig.defaults("adam");
            core = new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0, new Asynchronous(), 1);
            host = new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), core,
                    "test", CHUNK_BYTES, 2_000).start();
            channel = NettyChannelBuilder.forAddress("127.0.0.1", host.port()).usePlaintext()
                    .maxInboundMessageSize(64 << 20).build();
        }

        @Override
        public void close() throws Exception {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            host.stop(2_000);
        }
    }

    private static Status push(Server s, GradientHeader h, List<Chunk> chunks) throws Exception {
        List<GradientFrame> frames = new ArrayList<>();
        if (h != null) {
            frames.add(GradientFrame.newBuilder().setHeader(h).build());
        }
        for (Chunk c : chunks) {
            frames.add(GradientFrame.newBuilder().setChunk(c).build());
        }
        return RawStreams.push(s.channel, 10, frames);
    }

    private static int start(Server s, int rank, boolean init) throws Exception {
        int id = ParameterServerGrpc.newBlockingStub(s.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .register(RegisterRequest.newBuilder().setRank(rank).setName("r" + rank).build()).getWorkerId();
        if (init) {
            List<InitializeFrame> frames = new ArrayList<>();
            frames.add(InitializeFrame.newBuilder().setHeader(InitializeHeader.newBuilder().setWorkerId(id)
                    .setLayout(ProtoMapping.toProto(TensorLayout.of("w", N)))).build());
            float[] w0 = new float[N];
            for (int i = 0; i < N; i++) {
                w0[i] = (float) Math.sin(i);
            }
            for (Chunk c : chunks(w0)) {
                frames.add(InitializeFrame.newBuilder().setChunk(c).build());
            }
            Status st = RawStreams.initialize(s.channel, 10, frames);
            assertTrue(st.isOk(), st::toString);
        }
        return id;
    }

    private static List<Chunk> chunks(float[] v) {
        return TestChunks.of(v, CHUNK_BYTES);
    }

    private static void expect(Status s, Status.Code code, String fragment) {
        assertEquals(code, s.getCode(), s::toString);
        assertTrue(String.valueOf(s.getDescription()).contains(fragment),
                () -> "'" + s.getDescription() + "' should mention '" + fragment + "'");
    }

    /** The good run: two workers alternate 40 pushes; with {@code bad}, every kind of bad push in between. */
    private static float[] run(boolean bad) throws Exception {
        try (Server s = new Server()) {
            int a = start(s, 0, true);
            int b = start(s, 1, false);
            Random r = new Random(11);
            long[] seq = new long[2];
            for (int step = 0; step < 40; step++) {
                int who = step % 2;
                float[] g = new float[N];
                for (int i = 0; i < N; i++) {
                    g[i] = (float) r.nextGaussian();
                }
                long base = Math.max(0, s.core.version() - (step % 3));
                GradientHeader h = GradientHeader.newBuilder().setWorkerId(who == 0 ? a : b).setBaseVersion(base)
                        .setSequence(seq[who] + 1).setLoss(1).setBatchSize(4).build();
                if (bad) {
                    injectEveryBadPush(s, h, g, step);
                }
                Status ok = push(s, h, chunks(g));
                assertTrue(ok.isOk(), ok::toString);
                seq[who]++;
            }
            assertEquals(40, s.core.status().gradientsApplied());
            assertEquals(0, s.core.status().gradientsDropped());
            return s.core.weights();
        }
    }

    private static void injectEveryBadPush(Server s, GradientHeader h, float[] g, int step) throws Exception {
        long before = s.core.version();
        List<Chunk> good = chunks(g);
        switch (step % 10) {
            case 0 -> {
                float[] nan = g.clone();
                nan[17] = Float.NaN;
                expect(push(s, h, chunks(nan)), Status.Code.INVALID_ARGUMENT, "gradient[17] is NaN");
                nan[17] = Float.NEGATIVE_INFINITY;
                expect(push(s, h, chunks(nan)), Status.Code.INVALID_ARGUMENT, "gradient[17] is -Infinity");
            }
            case 1 -> {
                List<Chunk> shuffled = new ArrayList<>(good);
                Collections.swap(shuffled, 1, 2);
                expect(push(s, h, shuffled), Status.Code.INVALID_ARGUMENT, "chunk.offset");
                expect(push(s, h, good.subList(0, 3)), Status.Code.INVALID_ARGUMENT, "missing chunks");
            }
            case 2 -> expect(push(s, h, chunks(new float[N + 1])), Status.Code.INVALID_ARGUMENT, "runs past");
            case 3 -> expect(push(s, h.toBuilder().setWorkerId(99).build(), good), Status.Code.NOT_FOUND,
                    "worker_id");
            case 4 -> expect(push(s, h.toBuilder().setBaseVersion(before + 5).build(), good),
                    Status.Code.OUT_OF_RANGE, "base_version");
            case 5 -> {
                if (h.getSequence() > 1) {
                    expect(push(s, h.toBuilder().setSequence(h.getSequence() - 1).build(), good),
                            Status.Code.ALREADY_EXISTS, "already pushed");
                }
            }
            case 6 -> expect(push(s, null, good), Status.Code.INVALID_ARGUMENT, "header");
            case 7 -> {
                // one 5 MiB frame: over the 4 MiB message limit of the server
                Chunk huge = Chunk.newBuilder().setOffset(0).setData(ByteString.copyFrom(new byte[5 << 20])).build();
                expect(push(s, h, List.of(huge)), Status.Code.RESOURCE_EXHAUSTED, "");
            }
            case 8 -> expect(push(s, h.toBuilder().setBatchSize(-1).build(), good), Status.Code.INVALID_ARGUMENT,
                    "batch_size");
            case 9 -> expect(push(s, h, List.of(Chunk.newBuilder().setData(ByteString.copyFrom(new byte[6])).build())),
                    Status.Code.INVALID_ARGUMENT, "chunk.data");
            default -> throw new AssertionError();
        }
        assertEquals(before, s.core.version(), "a refused push changes nothing");
    }

    @Test
    void aRunWithBadPushesMixedInEndsWithExactlyTheWeightsOfTheRunWithoutThem() throws Exception {
        float[] clean = run(false);
        float[] withBad = run(true);
        assertArrayEquals(clean, withBad);
    }
}
