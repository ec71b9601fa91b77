package dev.momentumps.wire.socket;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The payload socket's frames: gradients up and weights down on a plain TCP socket beside the gRPC control
 * channel, no HTTP/2 and no protobuf. Every number is little-endian; tensors are float32 values, their
 * bytes exactly the array's in memory order.
 *
 * <pre>
 * hello   (worker → server, once):  int magic "MPSP", int protocol version, int worker id, 32-byte secret
 * request (worker → server):        int kind (1 push, 2 pull), int worker id, long base version,
 *                                   long sequence, double loss, int batch size, int flags (1: weights back),
 *                                   int number of values, int 0;  then that many float32 values (push)
 * reply   (server → worker):        int status (a gRPC status code, 0 OK), int flags (1 applied, 2 the
 *                                   server closes the socket after this reply), long version, long staleness,
 *                                   int number of weight values, int message bytes;  then the UTF-8 message,
 *                                   then the float32 weights
 * </pre>
 *
 * The server answers the hello with a reply (status 0, or UNAUTHENTICATED and the reason before it closes).
 * A request's header is checked whole (kind, the socket's own worker id, flags, the number of values
 * against the model's size) before anything is allocated for its values.
 */
public final class PayloadFrames {
    /** "MPSP" read as a little-endian int. */
    public static final int MAGIC = 0x5053504D;
    public static final int VERSION = 1;
    public static final int SECRET_BYTES = 32;
    public static final int HELLO_BYTES = 12 + SECRET_BYTES;
    public static final int REQUEST_BYTES = 48;
    public static final int REPLY_BYTES = 32;
    public static final int KIND_PUSH = 1;
    public static final int KIND_PULL = 2;
    public static final int FLAG_RETURN_WEIGHTS = 1;
    public static final int FLAG_APPLIED = 1;
    public static final int FLAG_CLOSING = 2;
    /** The longest message a reply carries (longer ones are cut). */
    public static final int MAX_MESSAGE_BYTES = 16 << 10;
    /** Bytes of values moved per read or write: the size of each side's direct buffer. */
    public static final int CHUNK_BYTES = 1 << 20;

    private PayloadFrames() {
    }

    /** A direct little-endian buffer of {@code bytes}. */
    public static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A push or pull request's header. */
    public record Request(int kind, int workerId, long baseVersion, long sequence, double loss, int batchSize,
                          int flags, int numValues, int reserved) {
        public boolean returnWeights() {
            return (flags & FLAG_RETURN_WEIGHTS) != 0;
        }

        /** Writes this header at {@code buf}'s position (it advances by {@link #REQUEST_BYTES}). */
        public void write(ByteBuffer buf) {
            buf.putInt(kind).putInt(workerId).putLong(baseVersion).putLong(sequence).putDouble(loss)
                    .putInt(batchSize).putInt(flags).putInt(numValues).putInt(reserved);
        }

        /** Reads a header from {@code buf}'s position; checks nothing. */
        public static Request read(ByteBuffer buf) {
            return new Request(buf.getInt(), buf.getInt(), buf.getLong(), buf.getLong(), buf.getDouble(),
                    buf.getInt(), buf.getInt(), buf.getInt(), buf.getInt());
        }
    }

    /** A reply's header and message. */
    public record Reply(int status, int flags, long version, long staleness, int numValues, String message) {
        public boolean applied() {
            return (flags & FLAG_APPLIED) != 0;
        }

        public boolean closing() {
            return (flags & FLAG_CLOSING) != 0;
        }

        /** The message's bytes as sent ({@link #MAX_MESSAGE_BYTES} at most). */
        public byte[] messageBytes() {
            byte[] m = message.getBytes(StandardCharsets.UTF_8);
            return m.length <= MAX_MESSAGE_BYTES ? m : java.util.Arrays.copyOf(m, MAX_MESSAGE_BYTES);
        }

        /** Writes the header, then the message, at {@code buf}'s position. */
        public void write(ByteBuffer buf) {
            byte[] m = messageBytes();
            buf.putInt(status).putInt(flags).putLong(version).putLong(staleness).putInt(numValues).putInt(m.length)
                    .put(m);
        }
    }
}
