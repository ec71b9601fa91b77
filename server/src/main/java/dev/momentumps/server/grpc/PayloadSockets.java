package dev.momentumps.server.grpc;

import com.google.protobuf.ByteString;
import dev.momentumps.proto.PayloadSocket;
import dev.momentumps.server.consistency.PushTicket;
import dev.momentumps.server.core.GradientSource;
import dev.momentumps.wire.codec.FiniteScan;
import dev.momentumps.wire.socket.PayloadFrames;
import dev.momentumps.wire.socket.TimedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * The payload socket: gradients up and weights down on a plain TCP socket per worker, beside the gRPC
 * control channel (Register, Initialize, Status and the rest stay gRPC). The frames are
 * {@link PayloadFrames}'; a push's values are read from the socket straight into a pooled gradient array
 * (one user-space copy, each 1 MiB block checked for NaN/Inf while it is in cache) and handed to the core's
 * one push; a reply's weights are copied under the core's lock from the live store into the connection's
 * direct buffer (one user-space copy) and written once the lock is let go.
 *
 * <p>Offered in {@code RegisterReply.payload_socket} with its port and a secret issued per registration;
 * a socket's first frame presents the worker id and that secret, compared in constant time, else the socket
 * is closed with its reason logged. A request's header is checked whole (kind, the socket's own worker id,
 * flags, the number of values against the model's size) and admitted against the in-flight budget before
 * anything is allocated; a bad header, or a socket that ends inside a push, closes that socket and leaves
 * the state unchanged. Reads and writes give up after the server's wait ({@code --wait-ms}); a handshake
 * after at most 10 s; {@link #close} closes the listener and every socket and wakes their threads.
 */
final class PayloadSockets implements AutoCloseable {
    /** Connections that have not presented a valid hello yet, at most. */
    static final int MAX_HANDSHAKES = 64;
    private static final long HANDSHAKE_MILLIS = 10_000;
    private final RpcSupport rpc;
    private final Consumer<String> log;
    private final SecureRandom random = new SecureRandom();
    private final Map<Integer, byte[]> secrets = new ConcurrentHashMap<>();
    private final Map<Integer, Connection> byWorker = new ConcurrentHashMap<>();
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final Semaphore handshakes = new Semaphore(MAX_HANDSHAKES);
    private volatile ServerSocketChannel listener;
    private Thread acceptor;
    private volatile boolean closed;

    PayloadSockets(RpcSupport rpc, Consumer<String> log) {
        this.rpc = rpc;
        this.log = log;
    }

    /** Listens on {@code address} (port 0: a free one) and returns the bound port. */
    synchronized int listen(InetSocketAddress address) throws IOException {
        if (listener != null) {
            throw new IllegalStateException("the payload socket listens already, on port " + port());
        }
        ServerSocketChannel l = ServerSocketChannel.open();
        try {
            l.bind(address);
        } catch (IOException e) {
            l.close();
            throw new IOException("payload socket: cannot listen on " + address + ": " + e.getMessage(), e);
        }
        listener = l;
        rpc.core.addListener(new dev.momentumps.server.core.UpdateListener() {
            @Override
            public void onApplied(long version, int workerId, long staleness, double loss, long nanos) {
            }

            @Override
            public void onWorkerGone(int workerId) {
                retire(workerId);
            }
        });
        acceptor = new Thread(this::acceptLoop, "mps-payload-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return port();
    }

    /** The bound port, or -1 when not offered. */
    int port() {
        ServerSocketChannel l = listener;
        return l == null ? -1 : l.socket().getLocalPort();
    }

    /** The socket offered to a worker just registered, with a fresh secret; null when none is offered. */
    PayloadSocket offer(int workerId) {
        if (listener == null || closed) {
            return null;
        }
        byte[] secret = new byte[PayloadFrames.SECRET_BYTES];
        random.nextBytes(secret);
        secrets.put(workerId, secret);
        return PayloadSocket.newBuilder().setPort(port()).setSecret(ByteString.copyFrom(secret)).build();
    }

    /**
     * A worker left (deregistered, or its lease expired): its secret is forgotten, so no socket opens with it
     * again, and its socket is closed, at once when it waits between requests, else once the request in
     * progress is answered. The worker gets a new secret when it registers again.
     */
    void retire(int workerId) {
        secrets.remove(workerId);
        Connection c = byWorker.get(workerId);
        if (c != null) {
            c.retire();
        }
    }

    /** Sockets open now (authenticated or not). */
    int openSockets() {
        return open.size();
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel c;
            try {
                c = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.accept("payload socket: accept failed: " + e);
                }
                return;
            }
            if (!handshakes.tryAcquire()) {
                log.accept("payload socket: refused a connection (" + MAX_HANDSHAKES + " handshakes in progress)");
                closeQuietly(c);
                continue;
            }
            try {
                Connection conn = new Connection(new TimedChannel(c));
                open.add(conn);
                if (closed) {
                    conn.channel.close();
                }
                conn.start();
            } catch (IOException | RuntimeException e) {
                handshakes.release();
                closeQuietly(c);
            }
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Closes the listener and every socket; threads waiting in them (or on a round) wake and end. */
    @Override
    public void close() {
        closed = true;
        ServerSocketChannel l = listener;
        if (l != null) {
            try {
                l.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        for (Connection c : open) {
            c.channel.close();
            c.interrupt();
        }
        long deadline = System.nanoTime() + 2_000_000_000L;
        for (Connection c : open) {
            try {
                c.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        Thread a = acceptor;
        if (a != null) {
            try {
                a.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A refusal that ends the socket: its reason is logged and sent before the socket is closed. */
    private static final class Refused extends Exception {
        final Status status;

        Refused(Status status) {
            super(status.getDescription(), null, false, false);
            this.status = status;
        }
    }

    /** One socket and the thread that serves it. */
    private final class Connection extends Thread {
        final TimedChannel channel;
        private final ByteBuffer header = PayloadFrames.direct(PayloadFrames.REQUEST_BYTES);
        /** values in, a block at a time (allocated once the socket is authenticated) */
        private ByteBuffer in;
        private final float[] scanScratch = new float[FiniteScan.BLOCK];
        private ByteBuffer out;
        private int workerId = -1;
        /** serving a request (guarded by this) */
        private boolean busy;
        /** its worker left: closed after the request in progress (guarded by this) */
        private boolean retired;

        Connection(TimedChannel channel) {
            super("mps-payload-" + channel.peer());
            setDaemon(true);
            this.channel = channel;
        }

        @Override
        public void run() {
            boolean handshaking = true;
            try {
                workerId = hello();
                handshakes.release();
                handshaking = false;
                Connection old = byWorker.put(workerId, this);
                if (old != null) {
                    old.channel.close(); // a worker has one payload socket: its newest
                }
                in = PayloadFrames.direct(PayloadFrames.CHUNK_BYTES);
                reply(new PayloadFrames.Reply(0, 0, 0, 0, 0, ""));
                while (!closed && serve()) {
                    if (!idle()) {
                        break;
                    }
                }
            } catch (Refused r) {
                log.accept("payload socket " + channel.peer() + (workerId >= 0 ? " of worker " + workerId : "")
                        + " closed: " + r.status.getCode() + " " + r.status.getDescription());
                try {
                    reply(new PayloadFrames.Reply(r.status.getCode().value(), PayloadFrames.FLAG_CLOSING, 0, 0, 0,
                            String.valueOf(r.status.getDescription())));
                } catch (IOException ignored) {
                    // the peer is gone already
                }
            } catch (IOException e) {
                if (!closed && channel.isOpen()) {
                    log.accept("payload socket " + channel.peer() + " of worker " + workerId + " closed: " + e);
                }
            } finally {
                if (handshaking) {
                    handshakes.release();
                }
                byWorker.remove(workerId, this);
                open.remove(this);
                channel.close();
            }
        }

        /** Reads and checks the hello; returns the worker id it authenticates. */
        private int hello() throws IOException, Refused {
            ByteBuffer h = PayloadFrames.direct(PayloadFrames.HELLO_BYTES);
            channel.readFully(h, TimedChannel.deadlineIn(Math.min(HANDSHAKE_MILLIS, rpc.waitMillis)));
            h.flip();
            int magic = h.getInt();
            int version = h.getInt();
            int id = h.getInt();
            byte[] given = new byte[PayloadFrames.SECRET_BYTES];
            h.get(given);
            if (magic != PayloadFrames.MAGIC) {
                throw new Refused(Status.UNAUTHENTICATED.withDescription("hello: not a momentum-ps payload socket "
                        + "(magic " + Integer.toHexString(magic) + ")"));
            }
            if (version != PayloadFrames.VERSION) {
                throw new Refused(Status.UNAUTHENTICATED.withDescription("hello: protocol version " + version
                        + ", this server speaks " + PayloadFrames.VERSION));
            }
            byte[] secret = secrets.get(id);
            // compared in constant time; an unknown worker compares against a fresh random secret
            byte[] expected = secret != null ? secret : new byte[PayloadFrames.SECRET_BYTES];
            if (!MessageDigest.isEqual(expected, given) || secret == null) {
                throw new Refused(Status.UNAUTHENTICATED.withDescription("hello: worker " + id
                        + " did not present the secret of its registration"));
            }
            return id;
        }

        /**
         * Serves one request; false when the worker closed the socket between requests. The header is read
         * with the values that came with it (a push's are the model's size) into the values buffer: a small
         * push is one wait and one read.
         */
        private boolean serve() throws IOException, Refused {
            header.clear();
            in.clear().limit((int) Math.min(PayloadFrames.CHUNK_BYTES, 4L * expectedValues()));
            try {
                long idle = Long.MAX_VALUE / 2 + System.nanoTime(); // idle between rounds: no deadline
                channel.awaitReadable(idle);
                channel.readFully(header, in, idle);
            } catch (java.io.EOFException e) {
                if (header.position() == 0) {
                    return false;
                }
                throw e;
            }
            if (!begin()) {
                return false;
            }
            header.flip();
            PayloadFrames.Request r = PayloadFrames.Request.read(header);
            long deadline = TimedChannel.deadlineIn(rpc.waitMillis);
            int n = check(r);
            if (r.kind() == PayloadFrames.KIND_PULL && in.position() > 0) {
                throw new Refused(Status.INVALID_ARGUMENT.withDescription("values: a pull carries none, got "
                        + in.position() + " bytes after its header"));
            }
            if (r.kind() == PayloadFrames.KIND_PULL) {
                try {
                    rpc.awaitMayPull(workerId);
                    rpc.replicated();
                } catch (Exception e) {
                    replyError(e, deadline);
                    return true;
                }
                sendWeights(0, 0, deadline);
                return true;
            }
            Admission.Grant grant;
            try {
                rpc.core.checkRegistered(workerId);
                grant = rpc.admission.admit(workerId, 4L * n, "push");
            } catch (RuntimeException e) {
                throw new Refused(Statuses.of(e).getStatus());
            }
            try {
                float[] gradient = rpc.buffers.take(n);
                boolean finite;
                try {
                    finite = readValues(gradient, n, deadline);
                } catch (IOException e) {
                    rpc.buffers.give(gradient); // the core never saw it: the state is unchanged
                    throw e;
                }
                PushTicket ticket;
                try {
                    ticket = rpc.submit(workerId, r.baseVersion(), r.sequence(), GradientSource.of(gradient, finite)
                            .via(PushPaths.Path.SOCKET.wireName), r.loss(), r.batchSize());
                } catch (Exception e) {
                    replyError(e, deadline);
                    return true;
                }
                grant.close(); // the gradient is applied: released before the reply, as on the streaming Push
                int applied = ticket.applied() ? PayloadFrames.FLAG_APPLIED : 0;
                if (!r.returnWeights()) {
                    reply(new PayloadFrames.Reply(0, applied, ticket.version(), ticket.staleness(), 0, ""), deadline);
                    return true;
                }
                try {
                    rpc.awaitMayPull(workerId);
                } catch (Exception e) {
                    replyError(e, deadline);
                    return true;
                }
                sendWeights(applied, ticket.staleness(), deadline);
                return true;
            } finally {
                grant.close();
            }
        }

        /** Its worker left: closed now if it waits between requests, else after the one in progress. */
        synchronized void retire() {
            retired = true;
            if (!busy) {
                channel.close();
            }
        }

        /** A request's header arrived: false when the worker has left meanwhile (the socket then closes). */
        private synchronized boolean begin() {
            busy = !retired;
            return busy;
        }

        /** A request is answered: false when the worker has left meanwhile (the socket then closes). */
        private synchronized boolean idle() {
            busy = false;
            return !retired;
        }

        /** The values a push carries: the model's size, 0 before the model is initialised. */
        private int expectedValues() {
            try {
                return rpc.numElements();
            } catch (RuntimeException e) {
                return 0;
            }
        }

        /** The header's checks; returns the model's size. */
        private int check(PayloadFrames.Request r) throws Refused {
            int n;
            try {
                n = rpc.numElements();
            } catch (RuntimeException e) {
                throw new Refused(Statuses.of(e).getStatus());
            }
            String bad = null;
            if (r.kind() != PayloadFrames.KIND_PUSH && r.kind() != PayloadFrames.KIND_PULL) {
                bad = "kind: " + r.kind() + " (1 push, 2 pull)";
            } else if (r.workerId() != workerId) {
                bad = "worker_id: " + r.workerId() + " on the payload socket of worker " + workerId;
            } else if ((r.flags() & ~PayloadFrames.FLAG_RETURN_WEIGHTS) != 0 || r.reserved() != 0) {
                bad = "flags: " + r.flags() + " (1: weights back), reserved: " + r.reserved();
            } else if (r.kind() == PayloadFrames.KIND_PUSH && r.numValues() != n) {
                bad = "values: " + r.numValues() + ", the model has " + n;
            } else if (r.kind() == PayloadFrames.KIND_PULL && r.numValues() != 0) {
                bad = "values: a pull carries none, got " + r.numValues();
            }
            if (bad != null) {
                throw new Refused(Status.INVALID_ARGUMENT.withDescription(bad));
            }
            return n;
        }

        /**
         * Reads {@code n} float32 values into {@code into}, a block at a time through the direct buffer, each
         * block scanned for NaN/Inf right after it lands; the first block's start may have come with the header
         * (already in the buffer). Returns whether every value is finite.
         */
        private boolean readValues(float[] into, int n, long deadline) throws IOException {
            boolean finite = true;
            int per = PayloadFrames.CHUNK_BYTES / Float.BYTES;
            for (int from = 0; from < n; from += per) {
                int count = Math.min(per, n - from);
                if (from > 0) {
                    in.clear();
                }
                in.limit(count * Float.BYTES);
                channel.readFully(in, deadline);
                in.flip();
                in.asFloatBuffer().get(into, from, count);
                if (finite) {
                    finite = FiniteScan.allFinite(into, from, from + count, scanScratch);
                }
            }
            return finite;
        }

        /** The weights this worker is sent, copied under the core's lock, written once it is let go. */
        private void sendWeights(int flags, long staleness, long deadline) throws IOException {
            int n = rpc.numElements();
            int bytes = PayloadFrames.REPLY_BYTES + n * Float.BYTES;
            if (out == null || out.capacity() < bytes) {
                out = PayloadFrames.direct(bytes);
            }
            ByteBuffer o = out;
            o.clear();
            rpc.core.pull(workerId, (weights, version) -> {
                new PayloadFrames.Reply(0, flags, version, staleness, weights.length, "").write(o);
                o.asFloatBuffer().put(weights, 0, weights.length);
            });
            o.position(0).limit(bytes);
            channel.writeFully(o, deadline);
        }

        private void replyError(Exception e, long deadline) throws IOException {
            StatusRuntimeException s = Statuses.of(e);
            reply(new PayloadFrames.Reply(s.getStatus().getCode().value(), 0, 0, 0, 0,
                    String.valueOf(s.getStatus().getDescription())), deadline);
        }

        private void reply(PayloadFrames.Reply reply) throws IOException {
            reply(reply, TimedChannel.deadlineIn(Math.min(HANDSHAKE_MILLIS, rpc.waitMillis)));
        }

        private void reply(PayloadFrames.Reply reply, long deadline) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(PayloadFrames.REPLY_BYTES + reply.messageBytes().length)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            reply.write(b);
            b.flip();
            channel.writeFully(b, deadline);
        }
    }
}
