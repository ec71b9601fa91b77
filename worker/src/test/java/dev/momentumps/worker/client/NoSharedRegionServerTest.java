package dev.momentumps.worker.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.TensorLayout;
import dev.momentumps.server.grpc.ParameterServerService;
import dev.momentumps.server.optim.Sgd;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A server that offers no shared regions (as one on another host): AUTO must move the tensors over TCP. */
class NoSharedRegionServerTest {

    @Test
    void autoFallsBackToTcpWhenTheServerOffersNoRegion() throws Exception {
        int n = 50_000; // above the inline-first threshold, below one chunk
        ParameterServerCore core = new ParameterServerCore(new Sgd(1.0, 0), t -> 1f, 0, new Asynchronous(), 1);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new ParameterServerService(core, "127.0.0.1", 1 << 20, 5_000,
                        dev.momentumps.server.core.ShardRole.SINGLE, false)).build().start();
        try (GrpcParameterClient client = new GrpcParameterClient(NettyChannelBuilder
                .forAddress("127.0.0.1", server.getPort()).usePlaintext().build(), true, 5_000)) {
            client.register(0, "test");
            client.initialize(TensorLayout.builder().add("w", n).build(), new float[n]);
            float[] g = new float[n];
            g[7] = 2;
            float[] w = new float[n];
            client.push(0, 1, g, Double.NaN, 1, w);
            assertEquals(Transport.UNARY, client.lastTransport());
            float[] expected = new float[n];
            expected[7] = -2;
            assertArrayEquals(expected, w);
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            core.close();
        }
    }
}
