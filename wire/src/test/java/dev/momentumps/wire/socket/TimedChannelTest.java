package dev.momentumps.wire.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scattering read of a header with what follows it, and the wait before a read, on a loopback pair. */
class TimedChannelTest {
    private ServerSocketChannel listener;
    private SocketChannel peer;
    TimedChannel channel;

    @BeforeEach
    void connect() throws Exception {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        channel = TimedChannel.connect((InetSocketAddress) listener.getLocalAddress(), 5_000, spinNanos());
        peer = listener.accept();
    }

    /** How long the channel's waits poll before they block. */
    long spinNanos() {
        return 0;
    }

    @AfterEach
    void close() throws Exception {
        channel.close();
        peer.close();
        listener.close();
    }

    void send(int from, int count) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(count);
        for (int i = 0; i < count; i++) {
            b.put((byte) (from + i));
        }
        b.flip();
        while (b.hasRemaining()) {
            peer.write(b);
        }
    }

    @Test
    void theHeaderFillsFirstAndWhatFollowsLandsInTheSecondBufferUpToItsLimit() throws Exception {
        send(0, 20);
        ByteBuffer head = ByteBuffer.allocate(8);
        ByteBuffer more = ByteBuffer.allocate(64).limit(10);
        long deadline = TimedChannel.deadlineIn(5_000);
        channel.awaitReadable(deadline);
        channel.readFully(head, more, deadline);
        assertEquals(8, head.position());
        assertTrue(more.position() <= 10, "never past the second buffer's limit");
        for (int i = 0; i < 8; i++) {
            assertEquals(i, head.get(i));
        }
        for (int i = 0; i < more.position(); i++) {
            assertEquals(8 + i, more.get(i));
        }
        // the rest of the stream is where the scattering read stopped
        channel.readFully(more, deadline);
        ByteBuffer rest = ByteBuffer.allocate(2);
        channel.readFully(rest, deadline);
        assertEquals(18, rest.get(0));
        assertEquals(19, rest.get(1));
    }

    @Test
    void aHeaderCutShortByThePeerIsAnEofAndAWaitGivesUpAtItsDeadline() throws Exception {
        long soon = TimedChannel.deadlineIn(50);
        long t0 = System.nanoTime();
        channel.awaitReadable(soon); // nothing comes: returns at the deadline
        assertTrue(System.nanoTime() - t0 >= 40_000_000L, "waited until about the deadline");
        assertThrows(SocketTimeoutException.class, () -> channel.readFully(ByteBuffer.allocate(1), soon));
        assertThrows(SocketTimeoutException.class, () -> channel.awaitReadable(soon));
        send(0, 3);
        peer.shutdownOutput();
        EOFException e = assertThrows(EOFException.class, () -> channel.readFully(ByteBuffer.allocate(8),
                ByteBuffer.allocate(8), TimedChannel.deadlineIn(5_000)));
        assertTrue(e.getMessage().contains("5 bytes still to come"), e.getMessage());
    }
}
