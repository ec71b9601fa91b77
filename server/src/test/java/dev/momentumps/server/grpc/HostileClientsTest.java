package dev.momentumps.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile clients against a server over loopback TCP while a legitimate worker trains: hundreds of half-open
 * Push streams that send a header and stop, Initialize headers naming huge layouts, Registers with huge
 * names. The server refuses each before allocating anything model-sized (or admits it within its budget),
 * its heap stays far under what the streams would have taken, and the legitimate worker's every push is
 * applied throughout.
 */
class HostileClientsTest {
    private static final int N = 1 << 20; // 4 MiB a gradient
    private static final int CHUNK_BYTES = 1 << 16;
    private static final long BUDGET = 32L << 20;

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private static StreamObserver<GradientFrame> push(ManagedChannel ch, List<GradientFrame> frames, boolean close,
                                                     CompletableFuture<Status> done) {
        return RawStreams.push(ch, 120, frames, close, done);
    }

    private static GradientFrame header(int worker, long base, long seq) {
        return GradientFrame.newBuilder().setHeader(GradientHeader.newBuilder().setWorkerId(worker)
                .setBaseVersion(base).setSequence(seq).setBatchSize(1)).build();
    }

    @Test
    @Timeout(120)
    void aLegitimateWorkerTrainsThroughHalfOpenStreamsHugeLayoutsAndHugeNames() throws Exception {
        OptimizerConfig c = OptimizerConfig.defaults("sgd");
        ParameterServerCore core = new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0,
                new Asynchronous(), 1);
        core.setInflightBytes(BUDGET);
        core.setMaxParams(4L * N);
        // the 600 half-open streams go over one connection: its call limit (PartialMessagesTest) stays out of the way
        ServerHost host = RawStreams.loopbackHost(core, CHUNK_BYTES,
                java.util.Map.of(dev.momentumps.wire.config.ConfigKeys.MAX_CALLS_PER_CONNECTION.name(), "1024"));
        ManagedChannel legit = NettyChannelBuilder.forAddress("127.0.0.1", host.port()).usePlaintext().build();
        ManagedChannel hostile = NettyChannelBuilder.forAddress("127.0.0.1", host.port()).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        List<StreamObserver<?>> halfOpen = new ArrayList<>();
        try {
            var stub = ParameterServerGrpc.newBlockingStub(legit).withDeadlineAfter(60, TimeUnit.SECONDS);
            int me = stub.register(RegisterRequest.newBuilder().setRank(0).setName("legit").build()).getWorkerId();
            CompletableFuture<Status> initialised = new CompletableFuture<>();
            RawStreams.initialize(legit, 120, RawStreams.zeros(me, N, CHUNK_BYTES), true, initialised);
            assertTrue(initialised.get(60, TimeUnit.SECONDS).isOk(), initialised.get()::toString);
            long before = usedHeap();

            // the legitimate worker pushes all along, in its own thread
            List<Chunk> gradient = TestChunks.of(new float[N], CHUNK_BYTES);
            AtomicInteger applied = new AtomicInteger();
            List<Status> legitFailures = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread worker = new Thread(() -> {
                for (int step = 1; step <= 20; step++) {
                    List<GradientFrame> frames = new ArrayList<>();
                    frames.add(header(me, core.version(), step));
                    for (Chunk ch : gradient) {
                        frames.add(GradientFrame.newBuilder().setChunk(ch).build());
                    }
                    CompletableFuture<Status> done = new CompletableFuture<>();
                    push(legit, frames, true, done);
                    try {
                        Status s = done.get(60, TimeUnit.SECONDS);
                        if (s.isOk()) {
                            applied.incrementAndGet();
                        } else {
                            legitFailures.add(s);
                        }
                    } catch (Exception e) {
                        legitFailures.add(Status.fromThrowable(e));
                    }
                }
            }, "legit-worker");
            worker.start();

            // 300 header-only streams under the attacker's own registration, 300 under ids nobody registered
            int attacker = ParameterServerGrpc.newBlockingStub(hostile).register(RegisterRequest.newBuilder()
                    .setRank(1).setName("attacker").build()).getWorkerId();
            Map<Status.Code, AtomicInteger> codes = new ConcurrentHashMap<>();
            List<CompletableFuture<Status>> ends = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                CompletableFuture<Status> done = new CompletableFuture<>();
                done.thenAccept(s -> codes.computeIfAbsent(s.getCode(), k -> new AtomicInteger()).incrementAndGet());
                ends.add(done);
                halfOpen.add(push(hostile, List.of(header(i < 300 ? attacker : 1000 + i, 0, i)), false, done));
            }
            // Initialize headers naming [2^28] and [2^31 - 9] elements, on an initialised server
            for (long n : new long[] {1L << 28, (1L << 31) - 9}) {
                CompletableFuture<Status> done = new CompletableFuture<>();
                RawStreams.initialize(hostile, 120, List.of(InitializeFrame.newBuilder().setHeader(InitializeHeader
                        .newBuilder().setWorkerId(attacker).setLayout(ProtoMapping.toProto(TensorLayout.of("w", (int) n))))
                        .build()), false, done);
                Status s = done.get(30, TimeUnit.SECONDS);
                assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s::toString);
                assertTrue(s.getDescription().contains("--max-params"), s::toString);
            }
            // Registers with 3 MiB names (4 MiB is the transport's own message limit)
            for (int i = 0; i < 9; i++) {
                Status s = Status.fromThrowable(org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                        () -> ParameterServerGrpc.newBlockingStub(hostile).register(RegisterRequest.newBuilder()
                                .setRank(50).setName("x".repeat(3 << 20)).build())));
                assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s::toString);
                assertTrue(s.getDescription().startsWith("name is"), s::toString);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ends.stream().filter(CompletableFuture::isDone).count() < 598 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            long held = usedHeap() - before;
            worker.join(TimeUnit.SECONDS.toMillis(90));
            assertTrue(legitFailures.isEmpty(), "the legitimate worker was refused: " + legitFailures);
            assertEquals(20, applied.get(), "every legitimate push is applied");
            assertEquals(298, codes.getOrDefault(Status.Code.RESOURCE_EXHAUSTED, new AtomicInteger()).get(),
                    "two streams per worker id, the rest refused: " + codes);
            assertEquals(300, codes.getOrDefault(Status.Code.NOT_FOUND, new AtomicInteger()).get(), codes::toString);
            // without admission 600 streams would hold 600 × 4 MiB = 2.4 GiB; two do (8 MiB)
            System.out.printf("hostile: %d half-open streams, heap held %.1f MiB%n", halfOpen.size(), held / 1048576.0);
            assertTrue(held < 64L << 20, "the heap grew by " + held + " bytes");
        } finally {
            for (StreamObserver<?> s : halfOpen) {
                try {
                    s.onError(Status.CANCELLED.asRuntimeException());
                } catch (RuntimeException ignored) {
                    // already ended
                }
            }
            legit.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            hostile.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            host.stop(2_000);
        }
    }
}
