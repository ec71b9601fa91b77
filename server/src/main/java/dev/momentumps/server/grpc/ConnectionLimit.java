package dev.momentumps.server.grpc;

import dev.momentumps.wire.config.ConfigKeys;
import io.grpc.Attributes;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many connections, and calls on each, a server's training port serves at once.
 *
 * <p>At most {@code max} connections ({@code mps.maxConnections}) are served at once: the first {@code max} that are
 * open are admitted, and every call on a connection opened beyond them is refused with RESOURCE_EXHAUSTED when
 * its headers arrive, before any of its message is read (the connection stays open, and it is admitted once it
 * is redialled after others have closed). gRPC has no such limit of its own; a transport filter counts the
 * connections and marks each one, an interceptor reads the mark of the call's connection.
 *
 * <p>A connection advertises {@code calls} ({@code mps.maxCallsPerConnection}) as its HTTP/2
 * SETTINGS_MAX_CONCURRENT_STREAMS (see {@link ServerHost}): a gRPC client queues its calls beyond it, and Netty
 * refuses a stream beyond it with REFUSED_STREAM, but only once the client has acknowledged the setting, which
 * a hostile client never does. So the calls of each connection are also counted here, whatever the client
 * acknowledged: a call beyond {@link #hardCalls} ({@code 2 × calls}, room for a well-behaved client whose call
 * ended on its side a moment before it ends here) is refused with RESOURCE_EXHAUSTED when its headers arrive.
 *
 * <p>Over all connections at most {@code inFlight} calls ({@code mps.maxCallsInFlight}) are in progress at once: a
 * call beyond them is refused with RESOURCE_EXHAUSTED when its headers arrive, before any of its message is read,
 * and every call's count is given back when it closes, completes or is cancelled. Each call holds at most about
 * twice the message limit of direct memory while its message is assembled, so this bounds the transport's
 * memory whatever the number of connections (see {@link #callsInFlight}).
 *
 * <p>Together with the calls a connection may have open, the message limit
 * and the flow-control window, it bounds the bytes the transport holds for messages still arriving (see
 * {@link ServerHost#partialMessageBound}).
 */
final class ConnectionLimit {
    private static final Attributes.Key<Boolean> ADMITTED = Attributes.Key.create("mps.connectionAdmitted");
    private static final Attributes.Key<AtomicInteger> CALLS = Attributes.Key.create("mps.connectionCalls");

    /** Direct memory a call may hold while its message is assembled, in message limits (measured, see docs). */
    static final int BYTES_PER_CALL_IN_MESSAGES = 2;

    private final int max;
    private final int calls;
    private final int inFlight;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger inProgress = new AtomicInteger();

    /**
     * @param max      connections served at once
     * @param calls    calls a connection advertises it takes at once
     * @param inFlight calls in progress at once over all connections
     */
    ConnectionLimit(int max, int calls, int inFlight) {
        this.max = max;
        this.calls = calls;
        this.inFlight = inFlight;
    }

    /**
     * The calls in progress a training port admits at once: {@code configured} ({@code mps.maxCallsInFlight}),
     * or when it is 0, {@code floor(maxDirectMemory / 2 / (2 × messageBytes))} (at least 1): half the direct
     * memory, a call holding up to twice its message while it is assembled.
     *
     * @throws IllegalArgumentException naming the key when {@code configured} calls could hold more than
     *                                  {@code maxDirectMemory}
     */
    static int callsInFlight(int configured, long maxDirectMemory, int messageBytes) {
        long perCall = (long) BYTES_PER_CALL_IN_MESSAGES * messageBytes;
        if (configured == 0) {
            return (int) Math.max(1, Math.min(ConfigKeys.MAX_CALLS_IN_FLIGHT.max(), maxDirectMemory / 2 / perCall));
        }
        if ((long) configured * perCall > maxDirectMemory) {
            throw new IllegalArgumentException(ConfigKeys.MAX_CALLS_IN_FLIGHT.name() + " " + configured
                    + " calls could hold " + configured * perCall + " bytes of direct memory (" + BYTES_PER_CALL_IN_MESSAGES
                    + " × " + messageBytes + " each), more than the JVM's max direct memory " + maxDirectMemory
                    + "; lower it, or raise -XX:MaxDirectMemorySize");
        }
        return configured;
    }

    /** Calls in progress at once over all connections. */
    int inFlight() {
        return inFlight;
    }

    /** Calls in progress now. */
    int inProgress() {
        return inProgress.get();
    }

    /** The most calls one connection has open: twice what it advertises. */
    int hardCalls() {
        return 2 * calls;
    }

    int max() {
        return max;
    }

    /** Connections admitted and still open. */
    int open() {
        return open.get();
    }

    ServerTransportFilter filter() {
        return new ServerTransportFilter() {
            @Override
            public Attributes transportReady(Attributes attrs) {
                boolean admitted = open.incrementAndGet() <= max;
                if (!admitted) {
                    open.decrementAndGet();
                }
                return attrs.toBuilder().set(ADMITTED, admitted).set(CALLS, new AtomicInteger()).build();
            }

            @Override
            public void transportTerminated(Attributes attrs) {
                if (attrs != null && Boolean.TRUE.equals(attrs.get(ADMITTED))) {
                    open.decrementAndGet();
                }
            }
        };
    }

    /** Closes {@code call} with RESOURCE_EXHAUSTED and {@code why} before any of its message is read. */
    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String why) {
        call.close(Status.RESOURCE_EXHAUSTED.withDescription(why), new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                if (Boolean.FALSE.equals(call.getAttributes().get(ADMITTED))) {
                    return refuse(call, "the server already serves " + max + " connections ("
                            + ConfigKeys.MAX_CONNECTIONS.name() + "); close this connection and connect again later");
                }
                AtomicInteger active = call.getAttributes().get(CALLS);
                if (active == null) {
                    return next.startCall(call, headers);
                }
                if (active.incrementAndGet() > hardCalls()) {
                    active.decrementAndGet();
                    return refuse(call, "this connection already has " + hardCalls() + " calls open (twice "
                            + ConfigKeys.MAX_CALLS_PER_CONNECTION.name() + ", which the server advertised)");
                }
                if (inProgress.incrementAndGet() > inFlight) {
                    inProgress.decrementAndGet();
                    active.decrementAndGet();
                    return refuse(call, "the server already has " + inFlight + " calls in progress ("
                            + ConfigKeys.MAX_CALLS_IN_FLIGHT.name() + "); retry once some finish");
                }
                AtomicBoolean done = new AtomicBoolean();
                Runnable release = () -> {
                    if (done.compareAndSet(false, true)) {
                        active.decrementAndGet();
                        inProgress.decrementAndGet();
                    }
                };
                // released before the server's trailers leave (the client may open its next call on seeing
                // them), or when the client cancels
                ServerCall<Q, R> counted = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        release.run();
                        super.close(status, trailers);
                    }
                };
                ServerCall.Listener<Q> listener;
                try {
                    listener = next.startCall(counted, headers);
                } catch (RuntimeException e) {
                    release.run();
                    throw e;
                }
                return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
                    @Override
                    public void onCancel() {
                        release.run();
                        super.onCancel();
                    }

                    @Override
                    public void onComplete() {
                        release.run();
                        super.onComplete();
                    }
                };
            }
        };
    }
}
