package dev.momentumps.cli;

import dev.momentumps.cli.dashboard.DashboardServer;
import dev.momentumps.cli.dashboard.ServerDashboard;
import dev.momentumps.cli.dashboard.ServerMetrics;
import dev.momentumps.cli.options.DashboardOptions;
import dev.momentumps.cli.options.ServerOptions;
import dev.momentumps.cli.options.ServerSecurityOptions;
import dev.momentumps.cli.options.ShardOptions;
import dev.momentumps.study.report.InitialWeights;
import dev.momentumps.study.report.MetricsCsv;
import dev.momentumps.study.report.TrajectoryFile;
import dev.momentumps.cli.run.Recovery;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.ShardRole;
import dev.momentumps.server.grpc.BearerTokenInterceptor;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.wire.http2.LargeFrames;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mps server}: runs a parameter server until interrupted. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run a parameter server. Workers connect with 'mps worker --server HOST:PORT'.")
final class ServerCommand implements Callable<Integer> {

    @Mixin
    ServerOptions server = new ServerOptions();

    @Mixin
    ServerSecurityOptions security = new ServerSecurityOptions();

    @Mixin
    ShardOptions sharding = new ShardOptions();

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "${env:MPS_BIND:-127.0.0.1}",
            description = "Address to listen on; 0.0.0.0 for every interface. Env MPS_BIND. Default: 127.0.0.1 (loopback only).")
    String bind;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "${env:MPS_PORT:-7070}",
            description = "Port to listen on; 0 picks a free one. Env MPS_PORT. Default: 7070.")
    int port;

    @Option(names = "--probe-port", paramLabel = "PORT", defaultValue = "${env:MPS_PROBE_PORT:--1}",
            description = "Also serve the gRPC health check (grpc.health.v1.Health/Check) alone on this port, in "
                    + "plaintext and without the token, for Kubernetes' grpc probes (which send neither); it answers "
                    + "SERVING or NOT_SERVING and nothing else. Same address as --bind. Env MPS_PROBE_PORT. "
                    + "Default: none.")
    int probePort;

    @Option(names = "--port-file", paramLabel = "FILE", description = "Write the bound port to this file once listening.")
    Path portFile;

    @Option(names = "--metrics", paramLabel = "FILE", description = "Write one CSV line per applied gradient here.")
    Path metrics;

    @Mixin
    DashboardOptions dashboard = new DashboardOptions("off");

    @Option(names = "--trajectory", paramLabel = "FILE", description = "Append the weights after every update "
            + "here (models of at most 100,000 parameters), for the implicit-momentum fit of mps train.")
    Path trajectory;

    @Option(names = "--initial-weights", paramLabel = "FILE", description = "Write the weights the model starts "
            + "from (little-endian float32) here when a worker initialises it, for the reports' update 0 (mps train "
            + "reads it).")
    Path initialWeights;

    @Option(names = "--dashboard-port-file", paramLabel = "FILE",
            description = "With --dashboard: write its bound port to this file once it listens (mps train reads it).")
    Path dashboardPortFile;

    @Option(names = "--checkpoint-report", paramLabel = "FILE", description = "Write the checkpoint counters "
            + "(written, failures, last error) to this JSON file whenever they change (mps train reads it).")
    Path checkpointReport;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
        }
        if (probePort < -1 || probePort > 65535 || (probePort == port && port != 0)) {
            throw new IllegalArgumentException("--probe-port must be in [0, 65535] and not --port, got " + probePort);
        }
        ShardRole role = sharding.role(server.optimizer.config().clipNorm());
        ParameterServerCore core = server.createCore();
        String token = security.token();
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(bind, port),
                LargeFrames.server(security.tls().serverCredentials()));
        if (token != null) {
            builder.intercept(new BearerTokenInterceptor(token));
        }
        Recovery recovery = Recovery.start(core, server.recovery, System.err, checkpointReport);
        ServerMetrics serverMetrics = dashboard.port() < 0 ? null : new ServerMetrics(core, recovery::checkpointer);
        if (serverMetrics != null) {
            // added last, so it runs first: refusals by the token check are counted too
            builder.intercept(serverMetrics.interceptor()).addStreamTracerFactory(serverMetrics.streamTracer());
        }
        MetricsCsv csv = metrics == null ? null : new MetricsCsv(metrics, System.nanoTime());
        if (csv != null) {
            core.addListener(csv);
        }
        if (initialWeights != null) {
            Files.deleteIfExists(initialWeights);
            core.addListener(new InitialWeights(initialWeights));
        }
        TrajectoryFile.Recorder recorder = trajectory == null ? null : new TrajectoryFile.Recorder(trajectory, core);
        if (recorder != null) {
            core.addListener(recorder);
        }
        // region files of workers that died without removing them (each holds 8 bytes per parameter of RAM)
        dev.momentumps.wire.shm.SharedRegion.removeStale(m -> System.err.println("momentum-ps server: " + m));
        ServerHost host = new ServerHost(builder, core, sharding.advertised(bind + ":" + port), server.chunkBytes,
                server.waitMillis, role);
        if (probePort >= 0) {
            host.probePort(new InetSocketAddress(bind, probePort));
        }
        host.start();
        String address = bind + ":" + host.port();
        System.out.println("momentum-ps server listening on " + address + " — " + core.rule() + ", mode "
                + core.consistency().kind().cliName() + (security.tls().enabled() ? ", TLS" : "")
                + (security.tlsClientCa != null ? " (mutual)" : "") + (token != null ? ", bearer token" : ""));
        if (probePort >= 0) {
            System.out.println("health probes on " + bind + ":" + host.probePort()
                    + " (plaintext, grpc.health.v1.Health/Check only, no token)");
        }
        if (role.count() > 1) {
            System.out.println("shard " + role.index() + " of " + role.count() + " (advertised as "
                    + sharding.advertised(address) + "; shards " + String.join(",", sharding.addresses()) + ")");
        }
        System.out.flush();
        DashboardServer page = serverMetrics == null ? null
                : new ServerDashboard(core, server.toArgs()).start(dashboard, token, serverMetrics, System.out);
        if (page != null && dashboardPortFile != null) {
            writePort(dashboardPortFile, page.port());
        }
        if (portFile != null) {
            writePort(portFile, host.port());
        }
        Thread hook = new Thread(() -> {
            try {
                host.stop(5_000);
                if (page != null) {
                    page.close();
                }
                recovery.close(); // the final checkpoint, once no call is in flight
                if (csv != null) {
                    csv.close();
                }
                if (recorder != null) {
                    recorder.close();
                }
                System.err.println("momentum-ps server stopped at version " + core.version());
            } catch (Exception e) {
                System.err.println("momentum-ps server: error while stopping: " + e);
            }
        }, "mps-server-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        host.awaitTermination();
        return 0;
    }

    private static void writePort(Path file, int port) throws java.io.IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, Integer.toString(port), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
