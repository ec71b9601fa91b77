package dev.momentumps.worker.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.optim.HeavyBallMomentum;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.http2.LargeFrames;
import dev.momentumps.wire.http2.SocketTuning;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * TCP gRPC with both sides asking for big HTTP/2 frames ({@link LargeFrames}, what {@code mps server} and
 * {@code mps worker} do): the whole contract holds, a big push and its reply really cross in frames bigger
 * than HTTP/2's default 16 KiB, and either side still works with a peer that does not ask.
 */
class LargeFrameTransportTest extends TcpTransportTest {
    private static final int FRAME = 1 << 20;

    @Override
    NettyServerBuilder serverBuilder() {
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
                LargeFrames.server(InsecureServerCredentials.create(), FRAME));
    }

    @Override
    ManagedChannel channel(int port) {
        return SocketTuning.channel(NettyChannelBuilder.forAddress("127.0.0.1", port,
                LargeFrames.channel(InsecureChannelCredentials.create(), FRAME))).build();
    }

    @Test
    void bigPushAndReplyCrossInBigFrames() {
        setUp(BIG);
        LargeFrames.resetStatistics();
        float[] out = new float[BIG];
        client.push(0, 1, random(BIG, 3), Double.NaN, 1, out);
        assertArrayEquals(core.weights(), out);
        // 64 KiB chunks: without the raised setting no DATA frame could exceed 16 KiB
        assertTrue(LargeFrames.largestDataFrameRead(true) > LargeFrames.HTTP2_DEFAULT,
                "largest DATA frame the server read: " + LargeFrames.largestDataFrameRead(true));
        assertTrue(LargeFrames.largestDataFrameRead(false) > LargeFrames.HTTP2_DEFAULT,
                "largest DATA frame the client read: " + LargeFrames.largestDataFrameRead(false));
        // the frames are views of the socket reads (composite cumulation), not one buffer they were copied into
        assertTrue(LargeFrames.mostBuffersInADataFrame() > 1,
                "most buffers in one DATA frame: " + LargeFrames.mostBuffersInADataFrame());
    }

    @Test
    void aClientAskingForBigFramesWorksWithAPlainServer() throws Exception {
        roundWith(InsecureServerCredentials.create(), LargeFrames.channel(InsecureChannelCredentials.create(), FRAME));
        // the plain server never raised its own limit (the client kept to 16 KiB), but honours the client's
        assertTrue(LargeFrames.largestDataFrameRead(false) > LargeFrames.HTTP2_DEFAULT,
                "a plain Netty server honours the client's raised limit: " + LargeFrames.largestDataFrameRead(false));
    }

    @Test
    void aServerAskingForBigFramesWorksWithAPlainClient() throws Exception {
        roundWith(LargeFrames.server(InsecureServerCredentials.create(), FRAME), InsecureChannelCredentials.create());
        assertTrue(LargeFrames.largestDataFrameRead(true) > LargeFrames.HTTP2_DEFAULT,
                "a plain Netty client honours the server's raised limit: " + LargeFrames.largestDataFrameRead(true));
    }

    @Test
    void aWholeChunkCrossesAsOneFrameEachWay() throws Exception {
        // Netty's default write-buffer high water mark (64 KiB) would cut every DATA frame to 64 KiB + 1 byte,
        // whatever frame size the peer allows: SocketTuning raises it on the server (ServerHost) and the channel
        int oneMiB = 1 << 20;
        roundWith(LargeFrames.server(InsecureServerCredentials.create()),
                LargeFrames.channel(InsecureChannelCredentials.create()), oneMiB, 3 * oneMiB / 4 + 1_000);
        assertTrue(LargeFrames.largestDataFrameRead(true) > oneMiB / 2,
                "largest DATA frame of the push: " + LargeFrames.largestDataFrameRead(true));
        assertTrue(LargeFrames.largestDataFrameRead(false) > oneMiB / 2,
                "largest DATA frame of the reply: " + LargeFrames.largestDataFrameRead(false));
    }

    /** One BIG round on a fresh server and client built from these credentials; checks the weights. */
    private static void roundWith(ServerCredentials server, ChannelCredentials channel) throws Exception {
        roundWith(server, channel, 64 << 10, BIG);
    }

    /** One round of {@code n} floats in {@code chunkBytes} chunks on a fresh, tuned server and client. */
    private static void roundWith(ServerCredentials server, ChannelCredentials channel, int chunkBytes, int n)
            throws Exception {
        ParameterServerCore core = new ParameterServerCore(new HeavyBallMomentum(0.1f, 0.9f, 0, false),
                t -> 0.1f, 0, new Asynchronous(), 1);
        LargeFrames.resetStatistics();
        try (ServerHost host = new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
                server), core, "127.0.0.1", chunkBytes, 10_000).start();
             GrpcParameterClient c = new GrpcParameterClient(SocketTuning.channel(NettyChannelBuilder.forAddress(
                     "127.0.0.1", host.port(), channel)).build(), true, 10_000, Transport.TCP)) {
            c.register(0, "test");
            c.initialize(TensorLayout.builder().add("w", n).build(), random(n, 1));
            float[] out = new float[n];
            assertEquals(1, c.push(0, 1, random(n, 2), Double.NaN, 1, out).version());
            assertArrayEquals(core.weights(), out);
        }
    }
}
