package dev.momentumps.worker.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.optim.HeavyBallMomentum;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.TensorCodec;
import dev.momentumps.wire.frame.AliasingMarshaller;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A model that fits one chunk goes in one unary PushPull with the tensors inline. Neither end may make a
 * byte[] the size of the tensor per call: at a few hundred thousand parameters such arrays outgrow a small
 * young generation (the server's JVM keeps a 16 MiB one) and sent the server into back-to-back full
 * collections, 10× fewer rounds a second. Counted here with the JVM's per-thread allocation counters over
 * client and server threads (both live in this JVM), so the check is about bytes, not time.
 */
class InlineAllocationTest {
    /** 1 MB of float32: inline under the default 1 MiB chunk. */
    private static final int N = 250_000;
    private static final int ROUNDS = 100;

    @Test
    void inlineRoundsAllocateFarLessThanTheirTensors() throws Exception {
        assertTrue((long) N * Float.BYTES <= TensorCodec.DEFAULT_CHUNK_BYTES);
        ParameterServerCore core = new ParameterServerCore(new HeavyBallMomentum(0.01f, 0.9f, 0, false),
                t -> 0.01f, 0, new Asynchronous(), 1);
        try (ServerHost host = new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                core, "127.0.0.1", TensorCodec.DEFAULT_CHUNK_BYTES, 10_000).start();
             GrpcParameterClient client = new GrpcParameterClient(NettyChannelBuilder.forAddress("127.0.0.1",
                     host.port()).usePlaintext().build(), true, 10_000, Transport.TCP)) {
            client.register(0, "alloc");
            client.initialize(TensorLayout.builder().add("w", N).build(), ClientPathContractTest.random(N, 1));
            float[] g = ClientPathContractTest.random(N, 2);
            float[] out = new float[N];
            long step = 0;
            for (; step < 60; step++) { // warm up: class loading, the first JIT tiers, Netty's pools
                client.push(step, step + 1, g, 0.5, 8, out);
            }
            Map<Long, Long> before = allocatedByThread();
            for (int r = 0; r < ROUNDS; r++, step++) {
                client.push(step, step + 1, g, 0.5, 8, out);
            }
            long perRound = allocatedSince(before) / ROUNDS;
            assertEquals(Transport.UNARY, client.lastTransport());
            assertArrayEquals(core.weights(), out);
            // the old path made four 1 MB arrays a round (request and reply, built and parsed); what is left is
            // small objects per received buffer (~170 KB a round here), so half a tensor is no tensor at all
            assertTrue(perRound < (long) N * Float.BYTES / 2, "bytes allocated per round: " + perRound);
        }
        assertEquals(0, AliasingMarshaller.held(), "messages still holding transport buffers");
    }

    private static com.sun.management.ThreadMXBean threads() {
        return (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    }

    private static Map<Long, Long> allocatedByThread() {
        Map<Long, Long> m = new HashMap<>();
        long[] ids = threads().getAllThreadIds();
        long[] bytes = threads().getThreadAllocatedBytes(ids);
        for (int i = 0; i < ids.length; i++) {
            if (bytes[i] >= 0) {
                m.put(ids[i], bytes[i]);
            }
        }
        return m;
    }

    /** Bytes allocated since {@code before} by the threads alive now (a thread started since counts from 0). */
    private static long allocatedSince(Map<Long, Long> before) {
        long total = 0;
        for (Map.Entry<Long, Long> e : allocatedByThread().entrySet()) {
            total += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return total;
    }
}
