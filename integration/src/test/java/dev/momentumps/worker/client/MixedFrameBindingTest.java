package dev.momentumps.worker.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.GradientHeader;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.PullRequest;
import dev.momentumps.proto.PushPullReply;
import dev.momentumps.proto.PushPullRequest;
import dev.momentumps.proto.WeightsFrame;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.grpc.ParameterServerService;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.optim.HeavyBallMomentum;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.ChunkAssembler;
import dev.momentumps.wire.codec.TensorCodec;
import dev.momentumps.wire.frame.AliasingMarshaller;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The by-reference frame marshallers interoperate with plain protobuf on either end over real Netty: a
 * client using the generated stubs against a server bound by {@link ServerHost} (what a Python worker is),
 * and {@link GrpcParameterClient} against a server with the generated binding (an older server). Every
 * combination must return bit-identical weights for the same pushes.
 */
class MixedFrameBindingTest {
    private static final int CHUNK_BYTES = 64 << 10;
    private static final int N = 100_003; // seven 64 KiB chunks, the last one partial
    private static final int N_INLINE = 12_289; // 48 KiB: one unary PushPull with the tensors inline

    /** The weights after each of three pushes, then a pull's, laid end to end. */
    private static float[] run(boolean hostBinding, boolean stubClient) throws Exception {
        return run(hostBinding, stubClient, N, Transport.STREAM);
    }

    /** {@link #run(boolean, boolean)} for a model of {@code n} values, pushed along {@code path}. */
    private static float[] run(boolean hostBinding, boolean stubClient, int n, Transport path) throws Exception {
        ParameterServerCore core = new ParameterServerCore(new HeavyBallMomentum(0.1f, 0.9f, 0, false), t -> 0.1f,
                0, new Asynchronous(), 1);
        ServerHost host = null;
        Server plain = null;
        int port;
        if (hostBinding) {
            host = new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), core,
                    "127.0.0.1", CHUNK_BYTES, 10_000).start();
            port = host.port();
        } else {
            plain = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(new ParameterServerService(core, "127.0.0.1", CHUNK_BYTES, 10_000)).build().start();
            port = plain.getPort();
        }
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        float[] all = new float[4 * n];
        try (GrpcParameterClient client = new GrpcParameterClient(channel, false, 10_000, path)) {
            int id = client.register(0, "mixed").workerId();
            client.initialize(TensorLayout.builder().add("w", n).build(), ClientPathContractTest.random(n, 1));
            for (int step = 1; step <= 3; step++) {
                float[] g = ClientPathContractTest.random(n, 10 + step);
                float[] out = new float[n];
                if (stubClient) {
                    assertEquals(step, path == Transport.UNARY ? stubPushPull(channel, id, step, g, out)
                            : stubPush(channel, id, step, g, out));
                } else {
                    assertEquals(step, client.push(step - 1, step, g, 0.5, 8, out).version());
                    assertEquals(path, client.lastTransport());
                }
                System.arraycopy(out, 0, all, (step - 1) * n, n);
            }
            float[] pulled = new float[n];
            assertEquals(3, stubClient ? stubPull(channel, id, pulled) : client.pull(pulled));
            System.arraycopy(pulled, 0, all, 3 * n, n);
            assertArrayEquals(core.weights(), pulled);
        } finally {
            channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
            if (host != null) {
                host.stop(2_000);
            } else {
                plain.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
                core.close();
            }
        }
        assertEquals(0, AliasingMarshaller.held(), "frames still holding transport buffers");
        return all;
    }

    /** A push the way any gRPC client does it: generated stub, protobuf frames; returns the new version. */
    private static long stubPush(ManagedChannel channel, int id, long sequence, float[] g, float[] out)
            throws Exception {
        List<WeightsFrame> reply = new ArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<GradientFrame> req = ParameterServerGrpc.newStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS).push(new StreamObserver<>() {
                    @Override
                    public void onNext(WeightsFrame f) {
                        reply.add(f);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        req.onNext(GradientFrame.newBuilder().setHeader(GradientHeader.newBuilder().setWorkerId(id)
                .setBaseVersion(sequence - 1).setSequence(sequence).setLoss(0.5).setBatchSize(8)
                .setReturnWeights(true)).build());
        int per = CHUNK_BYTES / Float.BYTES;
        for (int from = 0; from < g.length; from += per) {
            req.onNext(GradientFrame.newBuilder().setChunk(TensorCodec.encode(g, from, Math.min(per, g.length - from)))
                    .build());
        }
        req.onCompleted();
        done.get(10, TimeUnit.SECONDS);
        return assemble(reply.iterator(), out);
    }

    /** A unary PushPull the way any gRPC client does it: generated stub, the tensors as protobuf bytes. */
    private static long stubPushPull(ManagedChannel channel, int id, long sequence, float[] g, float[] out) {
        PushPullReply reply = ParameterServerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .pushPull(PushPullRequest.newBuilder().setHeader(GradientHeader.newBuilder().setWorkerId(id)
                        .setBaseVersion(sequence - 1).setSequence(sequence).setLoss(0.5).setBatchSize(8)
                        .setReturnWeights(true)).setGradient(TensorCodec.encodeBytes(g, 0, g.length)).build());
        assertEquals(out.length, reply.getHeader().getNumElements());
        assertEquals((long) out.length * Float.BYTES, reply.getWeights().size());
        TensorCodec.decode(reply.getWeights(), out, 0);
        return reply.getHeader().getVersion();
    }

    private static long stubPull(ManagedChannel channel, int id, float[] out) {
        return assemble(ParameterServerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .pull(PullRequest.newBuilder().setWorkerId(id).build()), out);
    }

    private static long assemble(Iterator<WeightsFrame> frames, float[] out) {
        WeightsFrame first = frames.next();
        assertTrue(first.hasHeader());
        assertEquals(out.length, first.getHeader().getNumElements());
        ChunkAssembler chunks = new ChunkAssembler(out);
        while (frames.hasNext()) {
            chunks.accept(frames.next().getChunk());
        }
        chunks.finish();
        return first.getHeader().getVersion();
    }

    @Test
    void everyCombinationOfBindingsGivesTheSameWeights() throws Exception {
        float[] reference = run(true, false);
        assertArrayEquals(reference, run(true, true), "generated-stub client, ServerHost's binding");
        assertArrayEquals(reference, run(false, false), "GrpcParameterClient, generated binding");
        assertArrayEquals(reference, run(false, true), "generated stubs on both ends");
    }

    /** The same for the unary PushPull, whose tensors travel by reference ({@code InlineFloats}) on our ends. */
    @Test
    void everyCombinationOfBindingsGivesTheSameWeightsInline() throws Exception {
        float[] reference = run(true, false, N_INLINE, Transport.UNARY);
        assertArrayEquals(reference, run(true, true, N_INLINE, Transport.UNARY), "generated-stub client, ServerHost's binding");
        assertArrayEquals(reference, run(false, false, N_INLINE, Transport.UNARY), "GrpcParameterClient, generated binding");
        assertArrayEquals(reference, run(false, true, N_INLINE, Transport.UNARY), "generated stubs on both ends");
    }
}
