package dev.momentumps.server.grpc;

import dev.momentumps.wire.http2.SocketTuning;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.wire.ConsistencyKind;
import dev.momentumps.wire.config.ConfigKeys;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.ShardRole;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@link ParameterServerService} on a gRPC server built from the given builder: tests pass an
 * in-process builder, the CLI a Netty one. {@link #stop} shuts down gracefully, then forcibly, and never
 * waits longer than the grace period.
 *
 * <p>It also serves the standard gRPC health service ({@code grpc.health.v1.Health}, what Kubernetes'
 * {@code grpc:} probes call): SERVING from {@link #start} until {@link #stop}, for the overall server
 * ({@code ""}) and for {@code momentumps.v1.ParameterServer}.
 *
 * <p>{@link #probePort} adds a second, plaintext port that serves {@code grpc.health.v1.Health/Check} and
 * nothing else, without TLS and without the bearer token: Kubernetes' {@code grpc:} probes can neither
 * speak TLS nor send a token, so on a protected server they need such a port. It is safe to leave open
 * because the only answer it gives is SERVING or NOT_SERVING for a service name (no weights, no workers, no
 * state can be read or changed there: every other method, {@code Watch} and {@code List} included, is
 * UNIMPLEMENTED on it), requests are at most {@value #PROBE_MAX_MESSAGE_BYTES} bytes, and a connection may
 * carry {@value #PROBE_MAX_CALLS_PER_CONNECTION} calls at once. The training port keeps TLS and the token for
 * every call, the health service included.
 */
public final class ServerHost implements AutoCloseable {
    private final Server server;
    private final ParameterServerCore core;
    private final ParameterServerService service;
    /** The largest request the probe port reads (a health check names a service: a few dozen bytes). */
    public static final int PROBE_MAX_MESSAGE_BYTES = 1024;
    /** Calls one connection to the probe port may have open at once. */
    public static final int PROBE_MAX_CALLS_PER_CONNECTION = 4;
    private final HealthStatusManager health = new HealthStatusManager();
    private Server probe;
    private final PayloadSockets payload;
    private final int maxMessageBytes;
    private final ConnectionLimit connections;

    public ServerHost(ServerBuilder<?> builder, ParameterServerCore core, String address, int chunkBytes,
                      long waitMillis) {
        this(builder, core, address, chunkBytes, waitMillis, ShardRole.SINGLE);
    }

    /** @param shard which part of the model this server holds */
    public ServerHost(ServerBuilder<?> builder, ParameterServerCore core, String address, int chunkBytes,
                      long waitMillis, ShardRole shard) {
        this(builder, core, address, chunkBytes, waitMillis, shard, null);
    }

    /**
     * A primary attaches its standby ({@link StandbyLink#attach}) before it builds its host.
     *
     * @param standby when not null this server is a hot standby: it serves {@code Standby/Replicate} and
     *                refuses workers until its primary is gone (see {@link StandbyService})
     */
    public ServerHost(ServerBuilder<?> builder, ParameterServerCore core, String address, int chunkBytes,
                      long waitMillis, ShardRole shard, StandbyService standby) {
        this.core = core;
        // a chunk of `chunkBytes` plus framing must fit, whatever the default limit is
        this.maxMessageBytes = Math.max(4 << 20, chunkBytes + (64 << 10));
        builder.maxInboundMessageSize(maxMessageBytes);
        if (core.consistency().kind() == ConsistencyKind.ASYNCHRONOUS
                && core.replication() == dev.momentumps.server.core.Replication.NONE) {
            // asynchronous pushes never wait (the ticket completes inside push, pulls are never held back),
            // so calls can run on the transport's threads: no hand-off to an executor per message. With a hot
            // standby every answer waits for the standby's acknowledgement, which arrives on those threads.
            builder.directExecutor();
        }
        if (builder instanceof NettyServerBuilder netty) {
            // a flow-control window of several chunks, big socket reads and writes (see SocketTuning)
            SocketTuning.server(netty);
            // the bytes of messages still arriving stay within partialMessageBound()
            int calls = ConfigKeys.MAX_CALLS_PER_CONNECTION.getInt();
            this.connections = new ConnectionLimit(ConfigKeys.MAX_CONNECTIONS.getInt(), calls,
                    ConnectionLimit.callsInFlight(ConfigKeys.MAX_CALLS_IN_FLIGHT.getInt(),
                            io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent.maxDirectMemory(),
                            maxMessageBytes));
            netty.maxConcurrentCallsPerConnection(calls)
                    .addTransportFilter(connections.filter())
                    .intercept(connections.interceptor());
        } else {
            this.connections = null;
        }
        health.setStatus("", ServingStatus.NOT_SERVING);
        this.service = new ParameterServerService(core, address, chunkBytes, waitMillis, shard);
        this.payload = service.payloadSockets();
        // Netty serialises a reply inside onNext, so Push, Pull and PushPull may send replies that reference the
        // live weights (see FrameMarshallers); in-process transports keep the message for later and get protobuf's
        io.grpc.ServerServiceDefinition bound = builder instanceof NettyServerBuilder ? FramedService.bind(service)
                : service.bindService();
        if (standby != null) {
            bound = ServerInterceptors.intercept(bound, standby.gate());
            builder.addService(standby);
        }
        this.server = builder.addService(bound).addService(health.getHealthService()).build();
    }

    /**
     * Also serves the health check alone on {@code address}, in plaintext and without the token (see the
     * class comment). Call before {@link #start}.
     */
    public ServerHost probePort(InetSocketAddress address) {
        ServerInterceptor checkOnly = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                if (!call.getMethodDescriptor().getFullMethodName().equals(HealthGrpc.getCheckMethod()
                        .getFullMethodName())) {
                    call.close(Status.UNIMPLEMENTED.withDescription("the probe port serves "
                            + HealthGrpc.getCheckMethod().getFullMethodName() + " only"), new Metadata());
                    return new ServerCall.Listener<>() {
                    };
                }
                return next.startCall(call, headers);
            }
        };
        probe = NettyServerBuilder.forAddress(address)
                .addService(ServerInterceptors.intercept(health.getHealthService(), checkOnly))
                .maxInboundMessageSize(PROBE_MAX_MESSAGE_BYTES)
                .maxInboundMetadataSize(8 << 10)
                .maxConcurrentCallsPerConnection(PROBE_MAX_CALLS_PER_CONNECTION)
                .handshakeTimeout(5, TimeUnit.SECONDS)
                .maxConnectionIdle(60, TimeUnit.SECONDS)
                .directExecutor()
                .build();
        return this;
    }

    /**
     * Also offers the payload socket on {@code address} (port 0: a free one): workers told
     * {@code --transport socket} move gradients and weights over a plain TCP socket there, in plaintext (see
     * {@link PayloadSockets}); the gRPC port stays the control channel. Call before {@link #start}.
     */
    public ServerHost payloadPort(InetSocketAddress address) throws IOException {
        payload.listen(address);
        return this;
    }

    /** The payload socket's bound port, or -1 without one. */
    public int payloadPort() {
        return payload.port();
    }

    PayloadSockets payloadSockets() {
        return payload;
    }

    /** The probe port's bound port, or -1 without one. */
    public int probePort() {
        return probe == null ? -1 : probe.getPort();
    }

    public ServerHost start() throws IOException {
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            payload.close(); // a server that does not start leaves no listener behind
            throw e;
        }
        if (probe != null) {
            try {
                probe.start();
            } catch (IOException e) {
                server.shutdownNow();
                throw new IOException("the probe port " + e.getMessage(), e);
            }
        }
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus(ParameterServerGrpc.SERVICE_NAME, ServingStatus.SERVING);
        return this;
    }

    /** The bound port (for a Netty server started on port 0), or -1 in-process. */
    public int port() {
        return server.getPort();
    }

    public ParameterServerCore core() {
        return core;
    }

    /** The largest message the training port reads: 4 MiB, or a chunk plus 64 KiB when chunks are larger. */
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /**
     * The most bytes a Netty training port holds for messages still arriving, outside the admission budget
     * (-1 in-process, where nothing arrives over a socket): {@code mps.maxConnections} connections, each with up
     * to {@code 2 × mps.maxCallsPerConnection} calls (see {@link ConnectionLimit}) whose message being assembled
     * is at most {@link #maxMessageBytes}, plus one flow-control window ({@code mps.flowControlWindow}) of bytes
     * not yet taken by a call. Connections beyond the limit have every call refused when its headers arrive.
     */
    public long partialMessageBound() {
        if (connections == null) {
            return -1;
        }
        return (long) connections.max()
                * ((long) connections.hardCalls() * maxMessageBytes + SocketTuning.FLOW_CONTROL_WINDOW);
    }

    /** Calls the training port keeps in progress at once ({@code mps.maxCallsInFlight}; -1 in-process). */
    public int maxCallsInFlight() {
        return connections == null ? -1 : connections.inFlight();
    }

    /** Calls in progress on the training port now (-1 in-process). */
    public int callsInProgress() {
        return connections == null ? -1 : connections.inProgress();
    }

    /** Connections the training port has admitted and that are still open (-1 in-process). */
    public int connectionsOpen() {
        return connections == null ? -1 : connections.open();
    }

    /** Bytes the Push and Initialize streams in flight hold now (see {@link Admission}). */
    public long inflightBytesHeld() {
        return service.inflightBytesHeld();
    }

    /** Stops taking calls, waits up to {@code graceMillis} for calls in flight, then cancels the rest. */
    public void stop(long graceMillis) throws InterruptedException {
        health.enterTerminalState();
        payload.close();
        if (probe != null) {
            probe.shutdownNow();
        }
        server.shutdown();
        if (!server.awaitTermination(graceMillis, TimeUnit.MILLISECONDS)) {
            server.shutdownNow();
            server.awaitTermination(graceMillis, TimeUnit.MILLISECONDS);
        }
        core.close();
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public void close() throws InterruptedException {
        stop(5_000);
    }
}
