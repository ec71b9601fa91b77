package dev.momentumps.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import dev.momentumps.wire.config.ConfigKeys;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bytes of messages still arriving stay within {@link ServerHost#partialMessageBound}: five hand-written
 * HTTP/2 connections each open twelve Push streams before they acknowledge the server's SETTINGS (so HTTP/2's
 * own stream limit does not apply to them), then and send most of a largest-allowed message on each, never finishing it. With
 * {@code mps.maxConnections} 3 and {@code mps.maxCallsPerConnection} 4, only two attacking connections are
 * admitted (the legitimate worker holds the third), each keeps eight calls (twice the advertised four) and has
 * the rest refused, every call on the other three connections is refused, the server's direct memory grows by
 * less than twice the bound (Netty's buffers for a message take about twice its bytes: the 16 admitted streams
 * of 4,128,768 bytes take 134 MB), and a legitimate worker's push is applied while the attack holds its streams
 * open.
 */
class PartialMessagesTest {
    private static final int N = 1 << 10;
    private static final int CONNECTIONS = 3;
    private static final int CALLS = 4;
    private static final int ATTACKERS = 5;
    private static final int STREAMS = 12;

    /**
     * Netty's direct memory: its own counter when it keeps one, else the JDK's direct pool. Not their sum: here
     * the JDK's pool reports the bytes Netty's counter does (the two differ by 17 KB whatever the attack holds),
     * so a sum counts every buffer twice.
     */
    private static long directBytes() {
        long netty = PlatformDependent.usedDirectMemory();
        if (netty >= 0) {
            return netty;
        }
        long jdk = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                jdk += pool.getMemoryUsed();
            }
        }
        return jdk;
    }

    private static List<GradientFrame> pushFrames(int worker, long base, long seq) {
        List<GradientFrame> frames = new ArrayList<>();
        frames.add(GradientFrame.newBuilder().setHeader(GradientHeader.newBuilder().setWorkerId(worker)
                .setBaseVersion(base).setSequence(seq).setBatchSize(1)).build());
        for (Chunk chunk : TestChunks.of(new float[N], 1 << 16)) {
            frames.add(GradientFrame.newBuilder().setChunk(chunk).build());
        }
        return frames;
    }

    @Test
    @Timeout(60)
    void unfinishedMessagesAreBoundedByConnectionsAndCallsAndALegitimatePushIsApplied() throws Exception {
        OptimizerConfig c = OptimizerConfig.defaults("sgd");
        ParameterServerCore core = new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0,
                new Asynchronous(), 1);
        ServerHost host = RawStreams.loopbackHost(core, 1 << 16, Map.of(
                ConfigKeys.MAX_CONNECTIONS.name(), String.valueOf(CONNECTIONS),
                ConfigKeys.MAX_CALLS_PER_CONNECTION.name(), String.valueOf(CALLS)));
        int max = host.maxMessageBytes();
        long bound = host.partialMessageBound();
        assertEquals(CONNECTIONS * (2L * CALLS * max + ConfigKeys.FLOW_CONTROL_WINDOW.getInt()), bound);
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", host.port()).usePlaintext().build();
        List<RawHttp2> attackers = new ArrayList<>();
        try {
            var stub = ParameterServerGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
            int me = stub.register(RegisterRequest.newBuilder().setRank(0).setName("legit").build()).getWorkerId();
            assertTrue(RawStreams.initialize(ch, 30, RawStreams.zeros(me, N, 1 << 16)).isOk());
            assertTrue(RawStreams.push(ch, 30, pushFrames(me, core.version(), 1)).isOk());
            assertEquals(1, host.connectionsOpen());
            System.gc();
            long before = directBytes();

            // each stream announces a message of the largest allowed size and sends all of it but 64 KiB
            int length = max - 5;
            long body = length - (64 << 10);
            long[][] sent = new long[ATTACKERS][STREAMS];
            for (int a = 0; a < ATTACKERS; a++) {
                RawHttp2 raw = new RawHttp2(host.port(), true);
                attackers.add(raw);
                for (int s = 0; s < STREAMS; s++) {
                    raw.open(1 + 2 * s, "/" + ParameterServerGrpc.SERVICE_NAME + "/Push");
                    raw.data(1 + 2 * s, RawHttp2.prefix(length));
                }
                raw.acknowledgeSettings();
                for (int s = 0; s < STREAMS; s++) {
                    sent[a][s] = raw.send(1 + 2 * s, body, 1_000);
                }
            }
            long held = directBytes() - before;

            int admitted = 0;
            int streamsHeld = 0;
            for (int a = 0; a < ATTACKERS; a++) {
                RawHttp2 raw = attackers.get(a);
                int open = 0;
                for (int s = 0; s < STREAMS; s++) {
                    if (!raw.ended(1 + 2 * s)) {
                        open++;
                        assertEquals(body, sent[a][s], "an admitted stream takes its bytes");
                    }
                }
                if (open > 0) {
                    admitted++;
                    assertEquals(2 * CALLS, open, "calls an admitted connection holds");
                }
                streamsHeld += open;
            }
            assertEquals(CONNECTIONS - 1, admitted, "attacking connections admitted beside the worker's");
            assertEquals((CONNECTIONS - 1) * 2 * CALLS, streamsHeld);
            assertEquals(CONNECTIONS, host.connectionsOpen());
            // Netty keeps each unfinished message in the pooled buffers its socket reads filled: about 8 MB of
            // direct memory per 4 MiB message here, 1.2 times the bound for the 16 streams held
            assertTrue(held < 2 * bound, "direct memory grew by " + held + " bytes; bound " + bound);

            // the worker's connection still serves it
            assertTrue(RawStreams.push(ch, 30, pushFrames(me, core.version(), 2)).isOk());
            assertEquals(2, core.status().gradientsApplied());

            // a new connection beyond the limit is refused, naming the key
            ManagedChannel late = NettyChannelBuilder.forAddress("127.0.0.1", host.port()).usePlaintext().build();
            try {
                StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                        () -> ParameterServerGrpc.newBlockingStub(late).withDeadlineAfter(10, TimeUnit.SECONDS)
                                .register(RegisterRequest.newBuilder().setRank(1).setName("late").build()));
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
                assertTrue(e.getStatus().getDescription().contains(ConfigKeys.MAX_CONNECTIONS.name()), e::toString);
            } finally {
                late.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }

            // once the attackers are gone their places are free again
            for (RawHttp2 raw : attackers) {
                raw.close();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (host.connectionsOpen() != 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, host.connectionsOpen());
            ManagedChannel again = NettyChannelBuilder.forAddress("127.0.0.1", host.port()).usePlaintext().build();
            try {
                assertTrue(ParameterServerGrpc.newBlockingStub(again).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .register(RegisterRequest.newBuilder().setRank(1).setName("again").build())
                        .getChunkBytes() > 0);
            } finally {
                again.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            for (RawHttp2 raw : attackers) {
                raw.close();
            }
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            host.stop(2_000);
        }
    }
}
