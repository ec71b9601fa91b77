package dev.momentumps.worker.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.momentumps.proto.DeregisterReply;
import dev.momentumps.proto.DeregisterRequest;
import dev.momentumps.proto.InitializeFrame;
import dev.momentumps.proto.InitializeReply;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.PullRequest;
import dev.momentumps.proto.PushPullReply;
import dev.momentumps.proto.PushPullRequest;
import dev.momentumps.proto.RegisterReply;
import dev.momentumps.proto.RegisterRequest;
import dev.momentumps.proto.WeightsFrame;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.ShardRole;
import dev.momentumps.server.grpc.ParameterServerService;
import dev.momentumps.server.optim.Sgd;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.shm.SharedRegion;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A server that offers no shared regions (as one on another host): AUTO must move the tensors over TCP. A
 * server that announces this host but then refuses the region falls back only on the typed refusal
 * (ErrorInfo reason SHARED_REGION_UNAVAILABLE), never on the words of a message.
 */
class NoSharedRegionServerTest {
    private static final int N = 50_000; // above the inline-first threshold, below one chunk

    @Test
    void autoFallsBackToTcpWhenTheServerOffersNoRegion() throws Exception {
        ParameterServerCore core = core();
        pushOnce(core, new ParameterServerService(core, "127.0.0.1", 1 << 20, 5_000, ShardRole.SINGLE, false));
    }

    @Test
    void aTypedRegionRefusalFallsBackToTcpWithTheSameSequence() throws Exception {
        ParameterServerCore core = core();
        // regions off, but the register reply claims this host: the client tries a region and is refused
        pushOnce(core, new ClaimsThisHost(
                new ParameterServerService(core, "127.0.0.1", 1 << 20, 5_000, ShardRole.SINGLE, false), null));
    }

    @Test
    void anUntypedRefusalIsNotMistakenForOne() throws Exception {
        ParameterServerCore core = core();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> pushOnce(core, new ClaimsThisHost(
                new ParameterServerService(core, "127.0.0.1", 1 << 20, 5_000, ShardRole.SINGLE, false),
                Status.FAILED_PRECONDITION.withDescription("shared_region: words only").asRuntimeException())));
        assertEquals("shared_region: words only", e.getStatus().getDescription());
    }

    private static ParameterServerCore core() {
        return new ParameterServerCore(new Sgd(1.0, 0), t -> 1f, 0, new Asynchronous(), 1);
    }

    /** Registers, initialises, pushes once under AUTO: the push must take UNARY and be applied. */
    private static void pushOnce(ParameterServerCore core, BindableService service) throws Exception {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service)
                .build().start();
        try (GrpcParameterClient client = new GrpcParameterClient(NettyChannelBuilder
                .forAddress("127.0.0.1", server.getPort()).usePlaintext().build(), true, 5_000)) {
            client.register(0, "test");
            client.initialize(TensorLayout.builder().add("w", N).build(), new float[N]);
            float[] g = new float[N];
            g[7] = 2;
            float[] w = new float[N];
            client.push(0, 1, g, Double.NaN, 1, w);
            assertEquals(Transport.UNARY, client.lastTransport());
            float[] expected = new float[N];
            expected[7] = -2;
            assertArrayEquals(expected, w);
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            core.close();
        }
    }

    /**
     * The real service, except that registration announces this host's id, and (with {@code regionError})
     * a region push fails with that error instead of the service's own refusal.
     */
    private static final class ClaimsThisHost extends ParameterServerGrpc.ParameterServerImplBase {
        private final ParameterServerService real;
        private final StatusRuntimeException regionError;

        ClaimsThisHost(ParameterServerService real, StatusRuntimeException regionError) {
            this.real = real;
            this.regionError = regionError;
        }

        @Override
        public void register(RegisterRequest request, StreamObserver<RegisterReply> out) {
            real.register(request, new StreamObserver<>() {
                @Override
                public void onNext(RegisterReply reply) {
                    out.onNext(reply.toBuilder().setHostId(SharedRegion.hostId()).build());
                }

                @Override
                public void onError(Throwable t) {
                    out.onError(t);
                }

                @Override
                public void onCompleted() {
                    out.onCompleted();
                }
            });
        }

        @Override
        public StreamObserver<InitializeFrame> initialize(StreamObserver<InitializeReply> out) {
            return real.initialize(out);
        }

        @Override
        public void pull(PullRequest request, StreamObserver<WeightsFrame> out) {
            real.pull(request, out);
        }

        @Override
        public void pushPull(PushPullRequest request, StreamObserver<PushPullReply> out) {
            if (regionError != null && request.hasSharedRegion()) {
                out.onError(regionError);
            } else {
                real.pushPull(request, out);
            }
        }

        @Override
        public void deregister(DeregisterRequest request, StreamObserver<DeregisterReply> out) {
            real.deregister(request, out);
        }
    }
}
