package dev.momentumps.wire.socket;

import dev.momentumps.wire.config.ConfigKeys;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * A TCP socket whose every read and write gives up at a deadline: a non-blocking {@link SocketChannel} with
 * a selector of its own (a blocking channel's reads have no timeout). {@link #close} from another thread
 * wakes a thread waiting in it, which then fails with an {@link IOException}. Not thread-safe otherwise: one
 * thread reads and writes.
 */
public final class TimedChannel implements AutoCloseable {
    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private volatile boolean closed;
    /** the two buffers of a scattering read (one thread reads) */
    private final ByteBuffer[] scatter = new ByteBuffer[2];
    private static final ByteBuffer NOTHING_MORE = ByteBuffer.allocateDirect(0);
    private static final java.util.function.Consumer<SelectionKey> IGNORE_KEY = k -> { };

    /** How long a wait polls before it blocks: {@code mps.socketSpinMicros}. */
    private static final long SPIN_NANOS = ConfigKeys.SOCKET_SPIN_MICROS.getInt() * 1_000L;
    /** After k polls in a row that found nothing, the next 2^k − 1 waits block at once (k at most this). */
    static final int MAX_BACKOFF = 10;
    private final long spinNanos;
    /** polls in a row that ended without the socket becoming ready (one thread waits: no sharing) */
    private int missedPolls;
    /** waits left that block without polling first */
    private int waitsWithoutPoll;

    /** Takes over {@code channel} (connected; made non-blocking here). */
    public TimedChannel(SocketChannel channel) throws IOException {
        this(channel, SPIN_NANOS);
    }

    /** The same, with waits that poll for {@code spinNanos} before they block. */
    TimedChannel(SocketChannel channel, long spinNanos) throws IOException {
        this.channel = channel;
        this.spinNanos = spinNanos;
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            this.selector = Selector.open();
            this.key = channel.register(selector, 0);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    /** Connects to {@code address}, giving up after {@code timeoutMillis}. */
    public static TimedChannel connect(InetSocketAddress address, long timeoutMillis) throws IOException {
        return connect(address, timeoutMillis, SPIN_NANOS);
    }

    static TimedChannel connect(InetSocketAddress address, long timeoutMillis, long spinNanos) throws IOException {
        SocketChannel c = SocketChannel.open();
        try {
            c.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeoutMillis)));
        } catch (IOException e) {
            c.close();
            throw e;
        }
        return new TimedChannel(c, spinNanos);
    }

    /** A deadline {@code millis} from now, for {@link #readFully} and {@link #writeFully}. */
    public static long deadlineIn(long millis) {
        return System.nanoTime() + millis * 1_000_000L;
    }

    /**
     * Reads until {@code buf} is full.
     *
     * @throws EOFException           if the peer closes first
     * @throws SocketTimeoutException at the deadline ({@link System#nanoTime} based)
     */
    public void readFully(ByteBuffer buf, long deadlineNanos) throws IOException {
        readFully(buf, NOTHING_MORE, deadlineNanos);
    }

    /**
     * Reads until {@code head} is full, scattering: bytes beyond it land in {@code more} (up to its limit), so
     * a message whose header and first values arrive together takes one system call.
     *
     * @throws EOFException           if the peer closes before {@code head} is full
     * @throws SocketTimeoutException at the deadline
     */
    public void readFully(ByteBuffer head, ByteBuffer more, long deadlineNanos) throws IOException {
        ByteBuffer[] both = scatter;
        both[0] = head;
        both[1] = more;
        while (head.hasRemaining()) {
            long n = channel.read(both);
            if (n < 0) {
                throw new EOFException("the peer closed the socket with " + head.remaining() + " bytes still to come");
            }
            if (n == 0) {
                await(SelectionKey.OP_READ, deadlineNanos, "read");
            }
        }
    }

    /**
     * Waits until the socket has something to read, the peer closed it or the deadline passed; the read after
     * it tells which (a read after the deadline with nothing to read throws {@link SocketTimeoutException}).
     * For a read that cannot find its bytes there yet (a reply just asked for, a request between rounds):
     * waiting first saves the read that would find nothing.
     *
     * @throws SocketTimeoutException if the deadline has passed already
     */
    public void awaitReadable(long deadlineNanos) throws IOException {
        await(SelectionKey.OP_READ, deadlineNanos, "read");
    }

    /** Writes all of {@code buf}; {@link SocketTimeoutException} at the deadline. */
    public void writeFully(ByteBuffer buf, long deadlineNanos) throws IOException {
        while (buf.hasRemaining()) {
            if (channel.write(buf) == 0) {
                await(SelectionKey.OP_WRITE, deadlineNanos, "write");
            }
        }
    }

    /** Writes all of {@code bufs} in gathering writes; {@link SocketTimeoutException} at the deadline. */
    public void writeFully(ByteBuffer[] bufs, long deadlineNanos) throws IOException {
        while (hasRemaining(bufs)) {
            if (channel.write(bufs) == 0) {
                await(SelectionKey.OP_WRITE, deadlineNanos, "write");
            }
        }
    }

    private static boolean hasRemaining(ByteBuffer[] bufs) {
        for (ByteBuffer b : bufs) {
            if (b.hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    private void await(int op, long deadlineNanos, String what) throws IOException {
        long left = deadlineNanos - System.nanoTime();
        if (closed) {
            throw new IOException("socket closed");
        }
        if (left <= 0) {
            throw new SocketTimeoutException("socket " + what + " timed out");
        }
        try {
            key.interestOps(op);
            if (pollFirst(left)) {
                return;
            }
            // the action form: no selected-key set to add the key to (an allocation a wait) and clear
            selector.select(IGNORE_KEY, Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000L));
        } catch (java.nio.channels.ClosedSelectorException | java.nio.channels.CancelledKeyException e) {
            throw new IOException("socket closed");
        }
        if (closed) {
            throw new IOException("socket closed");
        }
    }

    /**
     * Whether the socket became ready while this wait polled it, adapting to how long waits take: a poll that
     * finds nothing costs its whole spin time, so after k such polls in a row the next 2^k − 1 waits (up to
     * 1,023) block at once, and a poll that succeeds starts over. Waits of milliseconds (a large model's
     * round, a peer that is not scheduled on a busy machine) then poll about once in a thousand; waits of
     * microseconds (a small model's round on idle cores) keep polling.
     */
    private boolean pollFirst(long left) throws IOException {
        if (spinNanos <= 0) {
            return false;
        }
        if (waitsWithoutPoll > 0) {
            waitsWithoutPoll--;
            return false;
        }
        if (poll(left)) {
            missedPolls = 0;
            return true;
        }
        missedPolls = Math.min(missedPolls + 1, MAX_BACKOFF);
        waitsWithoutPoll = (1 << missedPolls) - 1;
        return false;
    }

    /** How many of the next waits block without polling (for tests). */
    int waitsWithoutPoll() {
        return waitsWithoutPoll;
    }

    /**
     * Polls the socket for up to the spin time (at most {@code left}): a wait that ends this way wakes no
     * blocked thread, which on a virtual machine with idle cores can cost more than the round's work.
     * Returns whether the socket became ready.
     */
    private boolean poll(long left) throws IOException {
        long end = System.nanoTime() + Math.min(spinNanos, left);
        do {
            if (selector.selectNow(IGNORE_KEY) > 0) {
                return true;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() - end < 0 && !closed);
        return false;
    }

    /** The peer's address, for log lines. */
    public String peer() {
        try {
            return String.valueOf(channel.getRemoteAddress());
        } catch (IOException e) {
            return "?";
        }
    }

    public boolean isOpen() {
        return !closed && channel.isOpen();
    }

    /** Closes the socket; a thread waiting in a read or write wakes and fails. Idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            selector.close(); // wakes a thread in select
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
