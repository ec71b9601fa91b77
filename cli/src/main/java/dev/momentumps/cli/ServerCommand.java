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
import dev.momentumps.server.grpc.StandbyLink;
import dev.momentumps.server.grpc.StandbyService;
import dev.momentumps.server.grpc.TlsConfig;
import dev.momentumps.cli.run.Channels;
import io.grpc.ManagedChannel;
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

    @Option(names = "--payload-port", paramLabel = "PORT|auto|none", defaultValue = "${env:MPS_PAYLOAD_PORT:-auto}",
            description = "Also offer the payload socket on this port (0 picks a free one): workers on other hosts "
                    + "(--transport auto or socket) send gradients and receive weights there on a plain TCP socket, "
                    + "without HTTP/2 or protobuf, authenticated by a secret issued at registration. The bytes are "
                    + "plaintext, so a server with TLS refuses a port. auto: a free port without TLS, none with TLS; "
                    + "none: not offered (workers stay on gRPC). Same address as --bind. Env MPS_PAYLOAD_PORT. "
                    + "Default: auto.")
    String payloadPortOption;

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

    @Option(names = "--standby", paramLabel = "HOST:PORT", defaultValue = "${env:MPS_STANDBY:-}",
            description = "Replicate to the hot standby at HOST:PORT (a server started with --as-standby and the "
                    + "same options): every update is forwarded in order and a worker's push is acknowledged only "
                    + "once the standby has it; workers given --failover HOST:PORT move there when this server "
                    + "dies. The standby must answer at start (else this server does not start); if it is lost "
                    + "later this server goes on without it and says so. Env MPS_STANDBY. Default: none.")
    String standby;

    @Option(names = "--standby-timeout-ms", paramLabel = "MS", defaultValue = "10000",
            description = "How long the standby may take to attach and to acknowledge an update before it counts "
                    + "as lost. Default: ${DEFAULT-VALUE}.")
    long standbyTimeoutMillis;

    @Option(names = "--standby-tls-ca", paramLabel = "PEM",
            description = "Reach --standby over TLS, trusting this CA (with --tls-cert/--tls-key as the client "
                    + "certificate, for a standby that requires mutual TLS). Default: plaintext.")
    Path standbyTlsCa;

    @Option(names = "--as-standby", defaultValue = "${env:MPS_AS_STANDBY:-false}",
            description = "Run as a hot standby: wait for one primary (started with --standby pointing here), "
                    + "apply its updates, refuse workers (UNAVAILABLE) while it lives, and serve them with the "
                    + "same state once it is gone; with --checkpoint-dir it writes no checkpoints while its "
                    + "primary lives, one as it takes over, then as a primary does. Env MPS_AS_STANDBY. "
                    + "Default: ${DEFAULT-VALUE}.")
    boolean asStandby;

    @Option(names = "--checkpoint-report", paramLabel = "FILE", description = "Write the checkpoint counters "
            + "(written, failures, last error) to this JSON file whenever they change (mps train reads it).")
    Path checkpointReport;

    /** --payload-port as a port, or -1 for none (auto: 0 without TLS, none with it). */
    private int payloadPort() {
        String v = payloadPortOption.trim();
        if (v.equals("none")) {
            return -1;
        }
        if (v.equals("auto")) {
            return security.tls().enabled() ? -1 : 0;
        }
        int p;
        try {
            p = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 0 || p > 65535 || (p == port && port != 0)) {
            throw new IllegalArgumentException("--payload-port must be a port in [0, 65535] other than --port, auto "
                    + "or none, got '" + payloadPortOption + "'");
        }
        return p;
    }

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
        }
        if (probePort < -1 || probePort > 65535 || (probePort == port && port != 0)) {
            throw new IllegalArgumentException("--probe-port must be in [0, 65535] and not --port, got " + probePort);
        }
        int payloadPort = payloadPort();
        if (payloadPort >= 0 && security.tls().enabled()) {
            throw new IllegalArgumentException("--payload-port: the payload socket carries gradients and weights in "
                    + "plaintext, so a server with TLS (--tls-cert) does not offer it; drop --payload-port (workers "
                    + "then use --transport tcp, over TLS)");
        }
        ShardRole role = sharding.role(server.optimizer.config().clipNorm());
        boolean primary = standby != null && !standby.isBlank();
        if (primary && asStandby) {
            throw new IllegalArgumentException("--standby and --as-standby: a server is a primary or a standby, not both");
        }
        if ((primary || asStandby) && role.count() > 1) {
            throw new IllegalArgumentException((primary ? "--standby" : "--as-standby")
                    + " works with an unsharded server, not with --shards");
        }
        if (asStandby && server.recovery.resume != null) {
            throw new IllegalArgumentException("--as-standby takes its state from its primary; drop --resume");
        }
        ParameterServerCore core = server.createCore();
        StandbyService standbyService = asStandby
                ? new StandbyService(core, m -> System.err.println("momentum-ps server: " + m)) : null;
        String token = security.token();
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(bind, port),
                LargeFrames.server(security.tls().serverCredentials()));
        if (token != null) {
            builder.intercept(new BearerTokenInterceptor(token));
        }
        Recovery recovery = Recovery.start(core, server.recovery, System.err, checkpointReport, standbyService);
        ServerMetrics serverMetrics = dashboard.port() < 0 ? null : new ServerMetrics(core, recovery::checkpointer);
        if (serverMetrics != null) {
            // added last, so it runs first: refusals by the token check are counted too
            builder.intercept(serverMetrics.interceptor()).addStreamTracerFactory(serverMetrics.streamTracer());
        }
        MetricsCsv csv = metrics == null ? null : new MetricsCsv(metrics, System.nanoTime())
                .measuring(dev.momentumps.server.compensation.GapMeter.in(core.compensation()));
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
        StandbyLink link = primary ? attachStandby(core, token) : null;
        ServerHost host = new ServerHost(builder, core, sharding.advertised(bind + ":" + port), server.chunkBytes,
                server.waitMillis, role, standbyService);
        if (probePort >= 0) {
            host.probePort(new InetSocketAddress(bind, probePort));
        }
        if (payloadPort >= 0) {
            host.payloadPort(new InetSocketAddress(bind, payloadPort));
        }
        host.start();
        String address = bind + ":" + host.port();
        System.out.println("momentum-ps server listening on " + address + " — " + core.rule() + ", mode "
                + core.consistency().kind().cliName() + (security.tls().enabled() ? ", TLS" : "")
                + (security.tlsClientCa != null ? " (mutual)" : "") + (token != null ? ", bearer token" : "")
                + (asStandby ? ", hot standby (waiting for its primary)" : "")
                + (primary ? ", replicating to the hot standby at " + standby : ""));
        if (probePort >= 0) {
            System.out.println("health probes on " + bind + ":" + host.probePort()
                    + " (plaintext, grpc.health.v1.Health/Check only, no token)");
        }
        if (payloadPort >= 0) {
            System.out.println("payload socket on " + bind + ":" + host.payloadPort()
                    + " (plaintext, for workers on other hosts: --transport auto or socket)");
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
                if (link != null) {
                    link.close(); // the standby takes over once this server is gone
                }
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

    /** Attaches the core to {@code --standby}; refuses to start when the standby does not answer. */
    private StandbyLink attachStandby(ParameterServerCore core, String token) throws InterruptedException {
        if (standbyTimeoutMillis < 1) {
            throw new IllegalArgumentException("--standby-timeout-ms must be >= 1, got " + standbyTimeoutMillis);
        }
        TlsConfig tls = standbyTlsCa == null ? TlsConfig.NONE
                : new TlsConfig(security.tlsCert, security.tlsKey, standbyTlsCa);
        ManagedChannel channel = Channels.forAddress(standby.trim(), "--standby", tls, token);
        try {
            return StandbyLink.attach(channel, standby.trim(), core, standbyTimeoutMillis, server.chunkBytes,
                    m -> System.err.println("momentum-ps server: " + m));
        } catch (IllegalStateException e) {
            channel.shutdownNow();
            throw new IllegalArgumentException(e.getMessage(), e); // one line naming --standby, exit code 2
        }
    }

    private static void writePort(Path file, int port) throws java.io.IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, Integer.toString(port), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
