package dev.momentumps.server.grpc;

import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.server.consistency.ConsistencyKind;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.ShardRole;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@link ParameterServerService} on a gRPC server built from the given builder: tests pass an
 * in-process builder, the CLI a Netty one. {@link #stop} shuts down gracefully, then forcibly, and never
 * waits longer than the grace period.
 *
 * <p>It also serves the standard gRPC health service ({@code grpc.health.v1.Health}, what Kubernetes'
 * {@code grpc:} probes call): SERVING from {@link #start} until {@link #stop}, for the overall server
 * ({@code ""}) and for {@code momentumps.v1.ParameterServer}.
 */
public final class ServerHost implements AutoCloseable {
    private final Server server;
    private final ParameterServerCore core;
    private final HealthStatusManager health = new HealthStatusManager();

    public ServerHost(ServerBuilder<?> builder, ParameterServerCore core, String address, int chunkBytes,
                      long waitMillis) {
        this(builder, core, address, chunkBytes, waitMillis, ShardRole.SINGLE);
    }

    /** @param shard which part of the model this server holds */
    public ServerHost(ServerBuilder<?> builder, ParameterServerCore core, String address, int chunkBytes,
                      long waitMillis, ShardRole shard) {
        this.core = core;
        // a chunk of `chunkBytes` plus framing must fit, whatever the default limit is
        builder.maxInboundMessageSize(Math.max(4 << 20, chunkBytes + (64 << 10)));
        if (core.consistency().kind() == ConsistencyKind.ASYNCHRONOUS) {
            // asynchronous pushes never wait (the ticket completes inside push, pulls are never held back),
            // so calls can run on the transport's threads: no hand-off to an executor per message
            builder.directExecutor();
        }
        if (builder instanceof NettyServerBuilder netty) {
            // a flow-control window of several chunks, big socket reads and writes (see SocketTuning)
            SocketTuning.server(netty);
        }
        health.setStatus("", ServingStatus.NOT_SERVING);
        ParameterServerService service = new ParameterServerService(core, address, chunkBytes, waitMillis, shard);
        // Netty serialises a reply inside onNext, so Push, Pull and PushPull may send replies that reference the
        // live weights (see FrameMarshallers); in-process transports keep the message for later and get protobuf's
        this.server = (builder instanceof NettyServerBuilder ? builder.addService(FrameMarshallers.bind(service))
                : builder.addService(service)).addService(health.getHealthService()).build();
    }

    public ServerHost start() throws IOException {
        server.start();
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

    /** Stops taking calls, waits up to {@code graceMillis} for calls in flight, then cancels the rest. */
    public void stop(long graceMillis) throws InterruptedException {
        health.enterTerminalState();
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
