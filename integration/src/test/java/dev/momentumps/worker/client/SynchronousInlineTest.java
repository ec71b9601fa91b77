package dev.momentumps.worker.client;

import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.optim.HeavyBallMomentum;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.frame.AliasingMarshaller;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;


/**
 * A synchronous server over real Netty, two workers pushing inline (unary PushPull): the calls wait for the
 * round on gRPC's executor, not the transport's threads, while their requests still view Netty's buffers,
 * and the replies are serialised from the live weights there. Both workers must get the weights of the
 * round's mean gradient, and every buffer must be handed back.
 */
class SynchronousInlineTest {
    private static final int N = 10_007;

    @Test
    void bothWorkersGetTheRoundsWeights() throws Exception {
        ParameterServerCore core = new ParameterServerCore(new HeavyBallMomentum(0.1f, 0.9f, 0, false), t -> 0.1f,
                0, new Synchronous(), 1);
        float[] w0 = ClientPathContractTest.random(N, 1);
        float[] g0 = ClientPathContractTest.random(N, 2);
        float[] g1 = ClientPathContractTest.random(N, 3);
        try (ServerHost host = new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                core, "127.0.0.1", 1 << 20, 10_000).start();
             GrpcParameterClient a = client(host.port());
             GrpcParameterClient b = client(host.port())) {
            a.register(0, "a");
            b.register(1, "b");
            a.initialize(TensorLayout.builder().add("w", N).build(), w0);
            float[] outA = new float[N];
            float[] outB = new float[N];
            CompletableFuture<ParameterClient.PushResult> pushA =
                    CompletableFuture.supplyAsync(() -> a.push(0, 1, g0, 0.5, 8, outA));
            ParameterClient.PushResult rb = b.push(0, 1, g1, 0.5, 8, outB);
            ParameterClient.PushResult ra = pushA.get(10, TimeUnit.SECONDS);
            assertEquals(1, ra.version());
            assertEquals(1, rb.version());
            assertEquals(Transport.UNARY, a.lastTransport());
            assertEquals(Transport.UNARY, b.lastTransport());
            assertArrayEquals(core.weights(), outA);
            assertArrayEquals(core.weights(), outB);
            for (int i = 0; i < N; i++) { // v = mean gradient (v0 = 0), w = w0 - lr v
                float mean = (g0[i] + g1[i]) / 2;
                assertEquals(w0[i] - 0.1f * mean, outA[i], 1e-6f, "element " + i);
            }
        }
        assertEquals(0, AliasingMarshaller.held(), "messages still holding transport buffers");
    }

    private static GrpcParameterClient client(int port) {
        return new GrpcParameterClient(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build(),
                true, 10_000, Transport.TCP);
    }
}
