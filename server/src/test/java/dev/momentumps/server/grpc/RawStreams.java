package dev.momentumps.server.grpc;

import dev.momentumps.proto.Chunk;
import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.InitializeFrame;
import dev.momentumps.proto.InitializeHeader;
import dev.momentumps.proto.InitializeReply;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.WeightsFrame;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.ProtoMapping;
import dev.momentumps.wire.TensorLayout;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Client streams written frame by frame, as a hostile or careless client would (for tests): any frames, in
 * any order, closed or left half-open; the call's final status ends up in a future.
 */
public final class RawStreams {
    private RawStreams() {
    }

    /** Opens a Push stream with a deadline, sends {@code frames} and, when {@code close}, half-closes it. */
    @SuppressWarnings("unchecked")
    public static StreamObserver<GradientFrame> push(ManagedChannel ch, long deadlineSeconds, List<GradientFrame> frames,
                                                     boolean close, CompletableFuture<Status> done) {
        StreamObserver<GradientFrame> req = ParameterServerGrpc.newStub(ch).withDeadlineAfter(deadlineSeconds,
                TimeUnit.SECONDS).push((StreamObserver<WeightsFrame>) (StreamObserver<?>) observer(done));
        return send(req, frames, close);
    }

    /** Opens an Initialize stream with a deadline, sends {@code frames} and, when {@code close}, half-closes it. */
    @SuppressWarnings("unchecked")
    public static StreamObserver<InitializeFrame> initialize(ManagedChannel ch, long deadlineSeconds,
                                                             List<InitializeFrame> frames, boolean close,
                                                             CompletableFuture<Status> done) {
        StreamObserver<InitializeFrame> req = ParameterServerGrpc.newStub(ch).withDeadlineAfter(deadlineSeconds,
                TimeUnit.SECONDS).initialize((StreamObserver<InitializeReply>) (StreamObserver<?>) observer(done));
        return send(req, frames, close);
    }

    /** A whole Push call: the frames, then half-close; its status. */
    public static Status push(ManagedChannel ch, long deadlineSeconds, List<GradientFrame> frames) throws Exception {
        CompletableFuture<Status> done = new CompletableFuture<>();
        push(ch, deadlineSeconds, frames, true, done);
        return done.get(deadlineSeconds + 5, TimeUnit.SECONDS);
    }

    /** A whole Initialize call: the frames, then half-close; its status. */
    public static Status initialize(ManagedChannel ch, long deadlineSeconds, List<InitializeFrame> frames)
            throws Exception {
        CompletableFuture<Status> done = new CompletableFuture<>();
        initialize(ch, deadlineSeconds, frames, true, done);
        return done.get(deadlineSeconds + 5, TimeUnit.SECONDS);
    }

    /**
     * A server for {@code core} on an ephemeral loopback TCP port, started while {@code properties} are set as
     * system properties (cleared again once it has started: the server reads them when it starts).
     */
    public static ServerHost loopbackHost(ParameterServerCore core, int chunkBytes, Map<String, String> properties)
            throws IOException {
        properties.forEach(System::setProperty);
        try {
            return new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), core, "test",
                    chunkBytes, 5_000).start();
        } finally {
            properties.keySet().forEach(System::clearProperty);
        }
    }

    /** The frames of an Initialize of one tensor {@code w} of {@code n} zeros, cut into chunks of {@code chunkBytes}. */
    public static List<InitializeFrame> zeros(int workerId, int n, int chunkBytes) {
        List<InitializeFrame> frames = new ArrayList<>();
        frames.add(InitializeFrame.newBuilder().setHeader(InitializeHeader.newBuilder().setWorkerId(workerId)
                .setLayout(ProtoMapping.toProto(TensorLayout.of("w", n)))).build());
        for (Chunk chunk : TestChunks.of(new float[n], chunkBytes)) {
            frames.add(InitializeFrame.newBuilder().setChunk(chunk).build());
        }
        return frames;
    }

    private static <F> StreamObserver<F> send(StreamObserver<F> req, List<F> frames, boolean close) {
        for (F f : frames) {
            req.onNext(f);
        }
        if (close) {
            req.onCompleted();
        }
        return req;
    }

    /** Replies are ignored; the end of the call completes {@code done} with its status. */
    private static StreamObserver<Object> observer(CompletableFuture<Status> done) {
        return new StreamObserver<>() {
            @Override
            public void onNext(Object value) {
            }

            @Override
            public void onError(Throwable t) {
                done.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                done.complete(Status.OK);
            }
        };
    }
}
