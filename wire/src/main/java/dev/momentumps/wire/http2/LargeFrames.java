package dev.momentumps.wire.http2;

import dev.momentumps.wire.codec.TensorCodec;
import dev.momentumps.wire.config.ConfigKeys;
import dev.momentumps.wire.frame.AliasingMarshaller;
import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.internal.ObjectPool;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.handler.codec.ByteToMessageDecoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameListener;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Settings;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets a gRPC connection carry HTTP/2 DATA frames bigger than the protocol's default 16 KiB: each side, once
 * it has read its peer's first SETTINGS, sends one more SETTINGS frame raising its own
 * {@code SETTINGS_MAX_FRAME_SIZE} (RFC 9113 §6.5.2). The peer then may, and Netty does, send DATA frames up
 * to that size; this side's frame reader accepts them once the peer has acknowledged the setting. A 1 MiB
 * tensor chunk then crosses as one or two frames instead of 64, each with its own header, flow-control
 * accounting, write promise, read slice and deframer step, provided the channel lets the flow controller
 * write that much at once ({@link SocketTuning}'s write-buffer water marks; Netty's default 64 KiB cuts
 * every frame to 64 KiB).
 *
 * <p>gRPC-Java's builders have no setting for it, so this wraps the credentials' protocol negotiator
 * (gRPC's {@code Internal*} API, the same hook its ALTS and xDS transports use) and decorates the
 * connection handler's frame listener. Any peer still works: the setting only permits bigger frames,
 * a peer that ignores it keeps sending 16 KiB ones, and a server that never raises its own keeps receiving
 * 16 KiB ones from us. TLS credentials are wrapped the same way (the SETTINGS travel inside TLS).
 *
 * <p>A frame of 1 MiB arrives in many socket reads (64 KiB each by default). Netty's HTTP/2 handler gathers
 * them with a merge cumulator, which copies every read into one buffer and, while gRPC still holds slices
 * of that buffer, copies the whole buffer again into a bigger one as it grows ({@code expandCumulation}:
 * 7–9% of a 1M-parameter round's CPU on each side in the profile). The wrapped handler uses Netty's
 * composite cumulator instead: the reads stay where the socket put them and a frame is a composite view of
 * them ({@link AliasingMarshaller} and {@link TensorCodec#decode} read such multi-buffer frames without a
 * copy). System property {@code mps.compositeCumulator=false} keeps the merge cumulator.
 *
 * <p>Size: system property {@code mps.http2MaxFrameSize} (bytes, 16384 to 16777215; default 1 MiB + 64 KiB,
 * so a 1 MiB chunk with its gRPC and protobuf framing fits one frame); 16384 leaves connections as gRPC makes
 * them.
 */
public final class LargeFrames {
    /** HTTP/2's default and smallest allowed maximum frame size. */
    public static final int HTTP2_DEFAULT = 16_384;
    /** HTTP/2's largest allowed maximum frame size. */
    public static final int HTTP2_LIMIT = (1 << 24) - 1;
    /** The frame size each side asks for: system property {@code mps.http2MaxFrameSize}. */
    public static final int MAX_FRAME_SIZE = ConfigKeys.HTTP2_MAX_FRAME_SIZE.getInt();

    /**
     * Whether the connection handler gathers a frame's reads into a composite buffer (default) instead of
     * copying them into one growing buffer: system property {@code mps.compositeCumulator}.
     */
    public static final boolean COMPOSITE_CUMULATOR =
            ConfigKeys.COMPOSITE_CUMULATOR.getBoolean();
    private static final AtomicLong RAISED = new AtomicLong();
    private static final AtomicLong LARGEST_READ_BY_SERVERS = new AtomicLong();
    private static final AtomicLong LARGEST_READ_BY_CLIENTS = new AtomicLong();
    private static final AtomicLong MOST_BUFFERS_IN_A_FRAME = new AtomicLong();

    private LargeFrames() {
    }

    private static void checked(int maxFrameSize) {
        if (maxFrameSize < HTTP2_DEFAULT || maxFrameSize > HTTP2_LIMIT) {
            throw new IllegalArgumentException("maxFrameSize must be in [" + HTTP2_DEFAULT + ", " + HTTP2_LIMIT
                    + "], got " + maxFrameSize);
        }
    }

    /** {@code credentials} (plaintext or TLS) whose connections ask for {@link #MAX_FRAME_SIZE}-byte frames. */
    public static ServerCredentials server(ServerCredentials credentials) {
        return server(credentials, MAX_FRAME_SIZE);
    }

    /** @param maxFrameSize bytes, in [16384, 2^24 - 1]; 16384 returns {@code credentials} unchanged */
    public static ServerCredentials server(ServerCredentials credentials, int maxFrameSize) {
        checked(maxFrameSize);
        if (maxFrameSize == HTTP2_DEFAULT) {
            return credentials;
        }
        InternalProtocolNegotiator.ServerFactory factory = InternalNettyServerCredentials.toNegotiator(credentials);
        return InternalNettyServerCredentials.create(new InternalProtocolNegotiator.ServerFactory() {
            @Override
            public InternalProtocolNegotiator.ProtocolNegotiator newNegotiator(
                    ObjectPool<? extends Executor> offloadExecutorPool) {
                return new Negotiator(factory.newNegotiator(offloadExecutorPool), maxFrameSize,
                        LARGEST_READ_BY_SERVERS);
            }
        });
    }

    /** {@code credentials} (plaintext or TLS) whose connections ask for {@link #MAX_FRAME_SIZE}-byte frames. */
    public static ChannelCredentials channel(ChannelCredentials credentials) {
        return channel(credentials, MAX_FRAME_SIZE);
    }

    /** @param maxFrameSize bytes, in [16384, 2^24 - 1]; 16384 returns {@code credentials} unchanged */
    public static ChannelCredentials channel(ChannelCredentials credentials, int maxFrameSize) {
        checked(maxFrameSize);
        if (maxFrameSize == HTTP2_DEFAULT) {
            return credentials;
        }
        InternalProtocolNegotiator.ClientFactory factory = InternalNettyChannelCredentials.toNegotiator(credentials);
        return InternalNettyChannelCredentials.create(new InternalProtocolNegotiator.ClientFactory() {
            @Override
            public InternalProtocolNegotiator.ProtocolNegotiator newNegotiator() {
                return new Negotiator(factory.newNegotiator(), maxFrameSize, LARGEST_READ_BY_CLIENTS);
            }

            @Override
            public int getDefaultPort() {
                return factory.getDefaultPort();
            }
        });
    }

    /** Connections (either side) that have sent their raised setting, since this JVM started (for tests). */
    public static long raisedConnections() {
        return RAISED.get();
    }

    /**
     * The largest DATA frame payload read so far, since this JVM started, by the server side or by the client
     * side of connections made with these credentials (for tests and diagnostics).
     */
    public static long largestDataFrameRead(boolean byServers) {
        return (byServers ? LARGEST_READ_BY_SERVERS : LARGEST_READ_BY_CLIENTS).get();
    }

    /**
     * The most buffers one DATA frame read so far was a view of (either side): more than one when a frame
     * was left where several socket reads put it ({@link #COMPOSITE_CUMULATOR}); a merge cumulator always
     * hands over one buffer (for tests and diagnostics).
     */
    public static long mostBuffersInADataFrame() {
        return MOST_BUFFERS_IN_A_FRAME.get();
    }

    /** Forgets {@link #largestDataFrameRead}'s and {@link #mostBuffersInADataFrame}'s values (for tests). */
    public static void resetStatistics() {
        LARGEST_READ_BY_SERVERS.set(0);
        LARGEST_READ_BY_CLIENTS.set(0);
        MOST_BUFFERS_IN_A_FRAME.set(0);
    }

    /** The wrapped negotiator: the same handshake, plus the frame listener decorated. */
    private record Negotiator(InternalProtocolNegotiator.ProtocolNegotiator delegate, int maxFrameSize,
                              AtomicLong largestRead)
            implements InternalProtocolNegotiator.ProtocolNegotiator {
        @Override
        public AsciiString scheme() {
            return delegate.scheme();
        }

        @Override
        public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
            if (COMPOSITE_CUMULATOR) {
                grpcHandler.setCumulator(ByteToMessageDecoder.COMPOSITE_CUMULATOR);
            }
            grpcHandler.decoder().frameListener(new RaiseOnFirstSettings(
                    grpcHandler.decoder().frameListener(), grpcHandler, maxFrameSize, largestRead));
            return delegate.newHandler(grpcHandler);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    /** Sends the raised SETTINGS once, right after handling the peer's first SETTINGS. */
    private static final class RaiseOnFirstSettings extends Http2FrameListenerDecorator {
        private final Http2ConnectionHandler handler;
        private final int maxFrameSize;
        private final AtomicLong largestRead;
        private boolean sent;

        RaiseOnFirstSettings(Http2FrameListener listener, Http2ConnectionHandler handler, int maxFrameSize,
                             AtomicLong largestRead) {
            super(listener);
            this.handler = handler;
            this.maxFrameSize = maxFrameSize;
            this.largestRead = largestRead;
        }

        @Override
        public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) throws Http2Exception {
            super.onSettingsRead(ctx, settings);
            if (!sent) {
                sent = true;
                handler.encoder().writeSettings(ctx, new Http2Settings().maxFrameSize(maxFrameSize), ctx.newPromise());
                ctx.flush();
                RAISED.incrementAndGet();
            }
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
                              boolean endOfStream) throws Http2Exception {
            int size = data.readableBytes() + padding;
            if (size > largestRead.get()) {
                largestRead.accumulateAndGet(size, Math::max);
            }
            int buffers = data.nioBufferCount();
            if (buffers > MOST_BUFFERS_IN_A_FRAME.get()) {
                MOST_BUFFERS_IN_A_FRAME.accumulateAndGet(buffers, Math::max);
            }
            return super.onDataRead(ctx, streamId, data, padding, endOfStream);
        }
    }
}
