package dev.momentumps.worker.client;

import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.socket.PayloadFrames;
import dev.momentumps.wire.socket.TimedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A worker's end of the payload socket (see {@link PayloadFrames}): pushes a float[] and pulls weights on
 * a plain TCP socket, opened on first use with the worker id and the secret of its registration. A push's
 * values are copied from the float[] into a 1 MiB direct buffer and written, a block at a time (one
 * user-space copy); the weights are read into that buffer and copied into the caller's array. Every read and
 * write gives up at the call's deadline. Failures surface as {@link StatusRuntimeException}s with the
 * server's status and message, as on the gRPC paths; a socket the server closes (or that fails) is opened
 * again by the next call. An optional socket (the one {@link Transport#AUTO} takes across hosts) that cannot
 * be opened the first time (nothing listens, a firewall drops it, the handshake is refused) makes its call
 * return null instead, before any request byte is sent, so the caller moves the tensors over gRPC.
 */
final class PayloadSocketClient implements AutoCloseable {
    private final InetSocketAddress address;
    private final int workerId;
    private final byte[] secret;
    private final long deadlineMillis;
    private final boolean optional;
    private boolean connectedOnce;
    private final ByteBuffer head = PayloadFrames.direct(PayloadFrames.REQUEST_BYTES);
    private final ByteBuffer replyHead = PayloadFrames.direct(PayloadFrames.REPLY_BYTES);
    private ByteBuffer block;
    private TimedChannel channel;

    /**
     * @param optional the caller has another path: a first connection that fails makes the call return null
     *                 (connecting gives up after {@link #OPTIONAL_CONNECT_MILLIS})
     */
    PayloadSocketClient(InetSocketAddress address, int workerId, byte[] secret, long deadlineMillis,
                        boolean optional) {
        this.address = address;
        this.workerId = workerId;
        this.secret = secret.clone();
        this.deadlineMillis = deadlineMillis;
        this.optional = optional;
    }

    /** How long an optional socket's first connection may take before the caller's other path is taken. */
    static final long OPTIONAL_CONNECT_MILLIS = 3_000;

    /** The weights into {@code out}; returns their version, or null (see {@code optional}). */
    Long pull(float[] out) {
        PayloadFrames.Reply r = call(new PayloadFrames.Request(PayloadFrames.KIND_PULL, workerId, 0, 0, 0, 0,
                PayloadFrames.FLAG_RETURN_WEIGHTS, 0, 0), null, out);
        return r == null ? null : r.version();
    }

    /** A dense push; the fresh weights into {@code weightsOut} when not null; null (see {@code optional}). */
    ParameterClient.PushResult push(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                                    float[] weightsOut) {
        PayloadFrames.Reply r = call(new PayloadFrames.Request(PayloadFrames.KIND_PUSH, workerId, baseVersion,
                sequence, loss, batchSize, weightsOut != null ? PayloadFrames.FLAG_RETURN_WEIGHTS : 0,
                gradient.length, 0), gradient, weightsOut);
        return r == null ? null : new ParameterClient.PushResult(r.version(), r.staleness(), r.applied());
    }

    private PayloadFrames.Reply call(PayloadFrames.Request request, float[] values, float[] weightsOut) {
        long deadline = TimedChannel.deadlineIn(deadlineMillis);
        if (optional && !connectedOnce) {
            try {
                open(Math.min(deadline, TimedChannel.deadlineIn(OPTIONAL_CONNECT_MILLIS)));
            } catch (IOException | StatusRuntimeException e) {
                System.err.println("momentum-ps worker: the payload socket at " + address + " cannot be opened ("
                        + e.getMessage() + "); tensors go over gRPC");
                return null;
            }
        }
        boolean ok = false;
        try {
            TimedChannel c = open(deadline);
            head.clear();
            request.write(head);
            head.flip();
            if (values == null) {
                c.writeFully(head, deadline);
            } else {
                try {
                    writeValues(c, values, deadline);
                } catch (IOException e) {
                    throwRefusal(c); // the server may have refused the header and closed: say why
                    throw e;
                }
            }
            c.awaitReadable(deadline); // the reply cannot be there yet: wait, then read it with its first values
            block.clear().limit((int) Math.min(PayloadFrames.CHUNK_BYTES,
                    weightsOut == null ? 0 : 4L * weightsOut.length));
            PayloadFrames.Reply r = readReply(c, block, deadline);
            if (r.status() != 0) {
                ok = !r.closing();
                throw Status.fromCodeValue(r.status()).withDescription(r.message()).asRuntimeException();
            }
            if (weightsOut != null) {
                if (r.numValues() != weightsOut.length) {
                    throw Status.FAILED_PRECONDITION.withDescription("server sends " + r.numValues()
                            + " weights, this worker's model has " + weightsOut.length).asRuntimeException();
                }
                readValues(c, weightsOut, deadline);
            } else if (r.numValues() != 0) {
                throw Status.INTERNAL.withDescription("payload socket: " + r.numValues()
                        + " weights sent unasked").asRuntimeException();
            }
            ok = true;
            return r;
        } catch (java.net.SocketTimeoutException e) {
            throw Status.DEADLINE_EXCEEDED.withDescription("payload socket to " + address + ": no answer within "
                    + deadlineMillis + " ms").withCause(e).asRuntimeException();
        } catch (IOException e) {
            throw Status.UNAVAILABLE.withDescription("payload socket to " + address + ": " + e.getMessage())
                    .withCause(e).asRuntimeException();
        } finally {
            if (!ok) {
                closeChannel(); // the stream's position is unknown (or the server closes it): open afresh
            }
        }
    }

    /** Throws the server's refusal if it sent one before the socket failed. */
    private void throwRefusal(TimedChannel c) {
        try {
            PayloadFrames.Reply r = readReply(c, null, TimedChannel.deadlineIn(Math.min(1_000, deadlineMillis)));
            if (r.status() != 0) {
                throw Status.fromCodeValue(r.status()).withDescription(r.message()).asRuntimeException();
            }
        } catch (IOException ignored) {
            // no refusal to read: the write's failure stands
        }
    }

    private TimedChannel open(long deadline) throws IOException {
        if (channel != null && channel.isOpen()) {
            return channel;
        }
        closeChannel();
        TimedChannel c = TimedChannel.connect(address, Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
        try {
            ByteBuffer hello = PayloadFrames.direct(PayloadFrames.HELLO_BYTES);
            hello.putInt(PayloadFrames.MAGIC).putInt(PayloadFrames.VERSION).putInt(workerId).put(secret).flip();
            c.writeFully(hello, deadline);
            PayloadFrames.Reply r = readReply(c, null, deadline);
            if (r.status() != 0) {
                throw Status.fromCodeValue(r.status()).withDescription("payload socket: " + r.message())
                        .asRuntimeException();
            }
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        if (block == null) {
            block = PayloadFrames.direct(PayloadFrames.CHUNK_BYTES);
        }
        channel = c;
        connectedOnce = true;
        return c;
    }

    /**
     * Reads a reply's header and its message; with {@code values} (cleared, its limit the bytes of values
     * expected in its first block) the header is read together with what follows it, and the values read
     * stay in {@code values} for {@link #readValues}.
     */
    private PayloadFrames.Reply readReply(TimedChannel c, ByteBuffer values, long deadline) throws IOException {
        replyHead.clear();
        if (values == null) {
            c.readFully(replyHead, deadline);
        } else {
            c.readFully(replyHead, values, deadline);
        }
        replyHead.flip();
        int status = replyHead.getInt();
        int flags = replyHead.getInt();
        long version = replyHead.getLong();
        long staleness = replyHead.getLong();
        int numValues = replyHead.getInt();
        int messageBytes = replyHead.getInt();
        if (messageBytes < 0 || messageBytes > PayloadFrames.MAX_MESSAGE_BYTES || numValues < 0) {
            throw new IOException("a malformed reply (message of " + messageBytes + " bytes, " + numValues
                    + " values)");
        }
        int early = values == null ? 0 : values.position(); // bytes read past the header
        if (early > 0 && numValues == 0 && early > messageBytes) {
            throw new IOException("a malformed reply (" + early + " bytes after a header announcing a message of "
                    + messageBytes + " bytes and no values)");
        }
        String message = "";
        if (messageBytes > 0) {
            if (numValues > 0 && early > 0) {
                throw new IOException("a malformed reply (a message and values)");
            }
            ByteBuffer m = ByteBuffer.allocate(messageBytes);
            if (early > 0) {
                values.flip();
                m.put(values);
                values.clear();
            }
            c.readFully(m, deadline);
            message = new String(m.array(), StandardCharsets.UTF_8);
        }
        return new PayloadFrames.Reply(status, flags, version, staleness, numValues, message);
    }

    /**
     * Writes the header in {@code head} and then {@code values} a block at a time through the direct buffer;
     * the header goes out with the first block in one gathering write (one system call and, for a small
     * model, one TCP segment: the server finds the values there with the header).
     */
    private void writeValues(TimedChannel c, float[] values, long deadline) throws IOException {
        int per = PayloadFrames.CHUNK_BYTES / Float.BYTES;
        ByteBuffer[] first = {head, block};
        for (int from = 0; from < values.length || from == 0; from += per) {
            int count = Math.min(per, values.length - from);
            block.clear();
            block.asFloatBuffer().put(values, from, count);
            block.limit(count * Float.BYTES);
            if (from == 0) {
                c.writeFully(first, deadline);
            } else {
                c.writeFully(block, deadline);
            }
        }
    }

    /**
     * Reads {@code into.length} values a block at a time through the direct buffer; the first block's start
     * may have come with the reply's header (already in the buffer).
     */
    private void readValues(TimedChannel c, float[] into, long deadline) throws IOException {
        int per = PayloadFrames.CHUNK_BYTES / Float.BYTES;
        for (int from = 0; from < into.length; from += per) {
            int count = Math.min(per, into.length - from);
            if (from > 0) {
                block.clear();
            }
            block.limit(count * Float.BYTES);
            c.readFully(block, deadline);
            block.flip();
            block.asFloatBuffer().get(into, from, count);
        }
    }

    private void closeChannel() {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    @Override
    public void close() {
        closeChannel();
    }
}
