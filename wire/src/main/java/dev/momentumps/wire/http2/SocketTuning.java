package dev.momentumps.wire.http2;

import dev.momentumps.wire.config.ConfigKeys;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.WriteBufferWaterMark;

/**
 * How a Netty connection (a server's, or a worker's channel) moves tensors through its socket, in one place:
 * the HTTP/2 flow-control window, how much one socket read may take, and how many bytes may wait in the
 * channel's outbound buffer. The server host applies it to every Netty server, and the worker's channels
 * to themselves ({@link #channel}). Each is a system property, checked when this class loads.
 *
 * <p>Why the write-buffer water marks matter: Netty's HTTP/2 flow controller writes at most what the channel
 * still accepts ({@code bytesBeforeUnwritable()}) in one pass, and Netty's default high water mark is 64 KiB.
 * With it, even with 1 MiB frames allowed ({@link LargeFrames}), a 4 MB push left as DATA frames of 64 KiB + 1
 * byte, each its own {@code writev}, epoll wake-up and read on the other side (strace of a 1M-parameter
 * round: 707 of 731 {@code writev} calls and 1,120 of 1,173 {@code recvfrom} calls were 64 KiB). With 1 MiB /
 * 4 MiB marks and reads of up to 1 MiB, a chunk leaves as one frame in one {@code writev}, and the reads take
 * 0.1–1 MiB: at 1M parameters, W = 2 over loopback TCP, interleaved runs measured a median of 268 rounds/s
 * against 218 with Netty's defaults, server + worker CPU 7.1 against 8.8 ms a round
 * ({@code mps bench transport --params 1000000 --workers 2 --transport tcp}, with and without
 * {@code -Dmps.writeBufferLow=32768 -Dmps.writeBufferHigh=65536 -Dmps.socketReadBytes=65536}; docs/performance.md).
 */
public final class SocketTuning {
    /**
     * Initial HTTP/2 flow-control window of Netty servers and of the channels workers open (four default
     * chunks; BDP auto-tuning stays on): system property {@code mps.flowControlWindow}, bytes.
     */
    public static final int FLOW_CONTROL_WINDOW = ConfigKeys.FLOW_CONTROL_WINDOW.getInt();
    /** The most one socket read takes (Netty's reads adapt up to it): {@code mps.socketReadBytes}, bytes. */
    public static final int MAX_READ = ConfigKeys.SOCKET_READ_BYTES.getInt();
    /** Outbound bytes below which a channel accepts writes again: {@code mps.writeBufferLow}, bytes. */
    public static final int WRITE_LOW = ConfigKeys.WRITE_BUFFER_LOW.getInt();
    /**
     * Outbound bytes above which a channel stops accepting writes (and the flow controller stops writing
     * frames): {@code mps.writeBufferHigh}, bytes, at least {@link #WRITE_LOW}.
     */
    public static final int WRITE_HIGH = atLeastLow(ConfigKeys.WRITE_BUFFER_HIGH.getInt());

    private SocketTuning() {
    }

    /** {@code builder} with this class's settings for every connection it accepts. */
    public static NettyServerBuilder server(NettyServerBuilder builder) {
        return builder.initialFlowControlWindow(FLOW_CONTROL_WINDOW)
                .withChildOption(ChannelOption.RCVBUF_ALLOCATOR, reads())
                .withChildOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark());
    }

    /** {@code builder} with this class's settings for its connections. */
    public static NettyChannelBuilder channel(NettyChannelBuilder builder) {
        return builder.initialFlowControlWindow(FLOW_CONTROL_WINDOW)
                .withOption(ChannelOption.RCVBUF_ALLOCATOR, reads())
                .withOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark());
    }

    private static AdaptiveRecvByteBufAllocator reads() {
        // Netty's own minimum and first guess; only the ceiling changes
        return new AdaptiveRecvByteBufAllocator(64, 2048, MAX_READ);
    }

    private static WriteBufferWaterMark waterMark() {
        return new WriteBufferWaterMark(WRITE_LOW, WRITE_HIGH);
    }

    private static int atLeastLow(int high) {
        if (high < WRITE_LOW) {
            throw new IllegalArgumentException(ConfigKeys.WRITE_BUFFER_HIGH.name() + " must be at least "
                    + ConfigKeys.WRITE_BUFFER_LOW.name() + " (" + WRITE_LOW + "), got " + high);
        }
        return high;
    }
}
