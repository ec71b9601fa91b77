package dev.momentumps.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.proto.Chunk;
import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.GradientHeader;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.RegisterRequest;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import dev.momentumps.wire.codec.TensorCodec;
import dev.momentumps.wire.config.ConfigKeys;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Half-open streams give their admission budget back once idle ({@code mps.streamIdleMs}): two attackers'
 * header-only Push streams fill the whole budget, so a legitimate worker's push is refused; once they have sent
 * nothing for the idle time the server ends them with DEADLINE_EXCEEDED, releases their bytes and the
 * legitimate push is applied. A stream that keeps dribbling frames keeps its grant while it does and loses it
 * once it stops; an Initialize stream that stops after its header is ended the same way.
 */
class IdleStreamsTest {
    private static final int N = 1 << 18; // 1 MiB a gradient
    private static final long BUDGET = 4L * 4 * N; // four gradients
    private static final int IDLE_MS = 1_000;

    private static GradientFrame header(int worker, long base, long seq) {
        return GradientFrame.newBuilder().setHeader(GradientHeader.newBuilder().setWorkerId(worker)
                .setBaseVersion(base).setSequence(seq).setBatchSize(1)).build();
    }

    private static void await(LongSupplier value, long expected, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (value.getAsLong() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(expected, value.getAsLong(), what);
    }

    /** An asynchronous SGD core whose admission budget is {@link #BUDGET} bytes. */
    private static ParameterServerCore budgetedCore() {
        OptimizerConfig c = OptimizerConfig.defaults("sgd");
        ParameterServerCore core = new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0,
                new Asynchronous(), 1);
        core.setInflightBytes(BUDGET);
        return core;
    }

    /** {@code core} on a loopback port whose streams end after {@link #IDLE_MS} ms without a frame. */
    private static ServerHost idleHost(ParameterServerCore core) throws java.io.IOException {
        return RawStreams.loopbackHost(core, 1 << 16, Map.of(ConfigKeys.STREAM_IDLE_MS.name(), String.valueOf(IDLE_MS)));
    }

    @Test
    @Timeout(60)
    void idleHalfOpenStreamsReleaseTheirBudgetAndALegitimatePushIsAppliedAgain() throws Exception {
        ParameterServerCore core = budgetedCore();
        ServerHost host = idleHost(core);
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", host.port()).usePlaintext().build();
        List<StreamObserver<GradientFrame>> open = new ArrayList<>();
        try {
            var stub = ParameterServerGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
            int me = stub.register(RegisterRequest.newBuilder().setRank(0).setName("legit").build()).getWorkerId();
            int a1 = stub.register(RegisterRequest.newBuilder().setRank(1).setName("a1").build()).getWorkerId();
            int a2 = stub.register(RegisterRequest.newBuilder().setRank(2).setName("a2").build()).getWorkerId();
            assertTrue(RawStreams.initialize(ch, 30, RawStreams.zeros(me, N, 1 << 16)).isOk());

            // three header-only streams and one that dribbles a 16-value chunk every 100 ms: the budget is full
            long opened = System.nanoTime();
            List<CompletableFuture<Status>> silent = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                CompletableFuture<Status> done = new CompletableFuture<>();
                silent.add(done);
                open.add(RawStreams.push(ch, 60, List.of(header(i < 2 ? a1 : a2, 0, i + 1)), false, done));
            }
            CompletableFuture<Status> dribbled = new CompletableFuture<>();
            StreamObserver<GradientFrame> dribbler = RawStreams.push(ch, 60, List.of(header(a2, 0, 9)), false, dribbled);
            open.add(dribbler);
            await(host::inflightBytesHeld, BUDGET, "four streams hold the budget");
            Status refused = RawStreams.push(ch, 30, List.of(header(me, 0, 1)));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getCode(), refused::toString);

            // the silent streams are ended after the idle time while the dribbler goes on
            Thread dribbling = new Thread(() -> {
                for (int k = 0; k < 25; k++) {
                    dribbler.onNext(GradientFrame.newBuilder().setChunk(TensorCodec.encode(new float[16], 0, 16)
                            .toBuilder().setOffset(16L * k)).build());
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "dribbler");
            dribbling.start();
            for (CompletableFuture<Status> done : silent) {
                Status s = done.get(10, TimeUnit.SECONDS);
                assertEquals(Status.Code.DEADLINE_EXCEEDED, s.getCode(), s::toString);
                assertTrue(s.getDescription().startsWith("push: no frame for ")
                        && s.getDescription().contains("mps.streamIdleMs"), s::toString);
            }
            long ended = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
            assertTrue(ended >= IDLE_MS, "ended after " + ended + " ms");
            assertFalse(dribbled.isDone(), () -> "a stream that sends frames is not idle: " + dribbled.join());
            await(host::inflightBytesHeld, 4L * N, "the silent streams' grants are released; the dribbler's is held");
            Status applied = RawStreams.push(ch, 30, pushFrames(me, core.version(), 2));
            assertTrue(applied.isOk(), applied::toString);

            // the dribbler stops: it is ended in turn and the budget is free
            dribbling.join();
            Status s = dribbled.get(10, TimeUnit.SECONDS);
            assertEquals(Status.Code.DEADLINE_EXCEEDED, s.getCode(), s::toString);
            await(host::inflightBytesHeld, 0, "every grant released");

            assertEquals(1, core.status().gradientsApplied());

            // an Initialize stream that stops after its header is ended the same way
            CompletableFuture<Status> initDone = new CompletableFuture<>();
            RawStreams.initialize(ch, 60, List.of(RawStreams.zeros(me, N, 1 << 16).get(0)), false, initDone);
            Status i = initDone.get(10, TimeUnit.SECONDS);
            assertEquals(Status.Code.DEADLINE_EXCEEDED, i.getCode(), i::toString);
            assertTrue(i.getDescription().startsWith("initialize: no frame for "), i::toString);
        } finally {
            for (StreamObserver<GradientFrame> s : open) {
                try {
                    s.onError(Status.CANCELLED.asRuntimeException());
                } catch (RuntimeException ignored) {
                    // already ended
                }
            }
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            host.stop(2_000);
        }
    }

    @Test
    @Timeout(60)
    void aStreamThatDribblesBytesOfAFrameIsEndedOnceIdle() throws Exception {
        ParameterServerCore core = budgetedCore();
        ServerHost host = idleHost(core);
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", host.port()).usePlaintext().build();
        try (RawHttp2 raw = new RawHttp2(host.port())) {
            var stub = ParameterServerGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
            int me = stub.register(RegisterRequest.newBuilder().setRank(0).setName("legit").build()).getWorkerId();
            int attacker = stub.register(RegisterRequest.newBuilder().setRank(1).setName("a").build()).getWorkerId();
            assertTrue(RawStreams.initialize(ch, 30, RawStreams.zeros(me, N, 1 << 16)).isOk());

            // a whole header message, then a chunk message's first bytes one at a time, every 50 ms
            long opened = System.nanoTime();
            raw.open(1, "/" + ParameterServerGrpc.SERVICE_NAME + "/Push");
            raw.data(1, RawHttp2.message(header(attacker, 0, 1).toByteArray()));
            await(host::inflightBytesHeld, 4L * N, "the header is admitted: one gradient held");
            byte[] chunk = RawHttp2.message(GradientFrame.newBuilder().setChunk(TestChunks.of(new float[N], 1 << 16)
                    .get(0)).build().toByteArray());
            for (int i = 0; i < 60 && !raw.ended(1); i++) {
                raw.data(1, new byte[] {chunk[i]});
                Thread.sleep(50);
            }
            long endedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
            assertTrue(raw.ended(1), "a stream whose frame never completes is ended");
            assertTrue(endedMs >= IDLE_MS, "ended after " + endedMs + " ms");
            await(host::inflightBytesHeld, 0, "its grant is released");
            Status applied = RawStreams.push(ch, 30, pushFrames(me, core.version(), 1));
            assertTrue(applied.isOk(), applied::toString);
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            host.stop(2_000);
        }
    }

    private static List<GradientFrame> pushFrames(int worker, long base, long seq) {
        List<GradientFrame> frames = new ArrayList<>();
        frames.add(header(worker, base, seq));
        for (Chunk chunk : TestChunks.of(new float[N], 1 << 16)) {
            frames.add(GradientFrame.newBuilder().setChunk(chunk).build());
        }
        return frames;
    }
}
