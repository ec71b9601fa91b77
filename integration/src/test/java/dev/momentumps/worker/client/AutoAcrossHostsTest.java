package dev.momentumps.worker.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.momentumps.proto.RegisterReply;
import dev.momentumps.wire.TensorLayout;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.ServerSocket;

/**
 * {@link Transport#AUTO} on a worker of another host (the server's register reply names a host id not this
 * one's) takes the payload socket the server offers: the whole push-and-pull contract holds on it, the path
 * taken is {@code socket} and the server counts its pushes under that name (what a run's summary prints). A
 * socket offered but not reachable (a firewall, a port not forwarded) leaves AUTO on gRPC, while a worker
 * told {@code --transport socket} fails naming the socket. The server offers its socket as in
 * {@link SocketTransportTest}, whose binding this one extends with {@code AUTO} and a reply from another host.
 */
class AutoAcrossHostsTest extends SocketTransportTest {
    /** The payload port the register reply names instead of the real one (-1: the real one). */
    private int announcedPort = -1;

    @Override
    Transport transport() {
        return Transport.AUTO;
    }

    @Override
    NettyServerBuilder serverBuilder() {
        return super.serverBuilder().intercept(new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    @SuppressWarnings("unchecked")
                    public void sendMessage(R message) {
                        if (message instanceof RegisterReply r) {
                            RegisterReply.Builder b = r.toBuilder().setHostId("another-host");
                            if (announcedPort >= 0) {
                                b.getPayloadSocketBuilder().setPort(announcedPort);
                            }
                            message = (R) b.build();
                        }
                        super.sendMessage(message);
                    }
                }, headers);
            }
        });
    }

    /** A loopback port nothing listens on. */
    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @org.junit.jupiter.api.Test
    void anOfferedSocketThatCannotBeOpenedLeavesAutoOnGrpc() throws IOException {
        announcedPort = closedPort();
        int n = BIG;
        float[] w0 = setUp(n);
        float[] g = random(n, 5);
        float[] out = new float[n];
        client.push(0, 1, g, 0.5, 8, out);
        assertEquals(Transport.STREAM, client.lastTransport());
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            expected[i] = w0[i] + (-0.1f) * g[i];
        }
        assertArrayEquals(expected, out);
        client.push(1, 2, g, 0.5, 8, out); // the socket is not tried again
        assertEquals(java.util.Map.of("grpc-stream", 2L), client.status().pushesByPath());
    }

    @org.junit.jupiter.api.Test
    void aForcedSocketThatCannotBeOpenedFailsNamingIt() throws IOException {
        announcedPort = closedPort();
        client.close();
        client = new GrpcParameterClient(channel(host.port()), true, 10_000, Transport.SOCKET);
        client.register(0, "test");
        client.initialize(TensorLayout.builder().add("w", TINY).build(), new float[TINY]);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> client.push(0, 1, new float[TINY], 0.5, 8, new float[TINY]));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals(true, e.getStatus().getDescription().startsWith("payload socket to "),
                e.getStatus().getDescription());
    }
}
