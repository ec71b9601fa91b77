package dev.momentumps.cli.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.cli.run.Channels;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.grpc.BearerTokenInterceptor;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.grpc.TlsConfig;
import dev.momentumps.server.grpc.Tokens;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.client.GrpcParameterClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS, mutual TLS and the bearer token, with certificates generated at test time. */
class SecurityTest {
    private static final String TOKEN = "s3cret-token-0123456789abcdef";
    private static final TensorLayout LAYOUT = TensorLayout.of("w", 4);

    private static ParameterServerCore core() {
        OptimizerConfig c = OptimizerConfig.defaults("sgd");
        return new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0, new Asynchronous(), 1);
    }

    private static ServerHost serve(ParameterServerCore core, TlsConfig tls, String token) throws Exception {
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
                tls.serverCredentials());
        if (token != null) {
            b.intercept(new BearerTokenInterceptor(token));
        }
        return new ServerHost(b, core, "test", 1 << 20, 2_000).start();
    }

    private static GrpcParameterClient client(int port, TlsConfig tls, String token) {
        return new GrpcParameterClient(Channels.forAddress("127.0.0.1:" + port, "--server", tls, token), true, 5_000);
    }

    private static Status.Code failure(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
    }

    @Test
    void mutualTlsWithATokenLetsTheRightClientInAndNobodyElse(@TempDir Path dir) throws Exception {
        TestCertificates pki = new TestCertificates("momentum-ps test CA");
        Path ca = pki.writeCa(dir.resolve("ca.pem"));
        Path[] server = pki.issue(dir, "server");
        Path[] worker = pki.issue(dir, "worker");
        TestCertificates other = new TestCertificates("someone else's CA");
        Path otherCa = other.writeCa(dir.resolve("other-ca.pem"));
        Path[] stranger = other.issue(dir, "stranger");

        ParameterServerCore core = core();
        ServerHost host = serve(core, new TlsConfig(server[0], server[1], ca), TOKEN);
        int port = host.port();
        TlsConfig good = new TlsConfig(worker[0], worker[1], ca);
        try {
            try (GrpcParameterClient c = client(port, good, TOKEN)) {
                c.register(0, "w");
                assertTrue(c.initialize(LAYOUT, new float[4]));
                assertTrue(c.push(0, 1, new float[] {1, 1, 1, 1}, 0.5, 1, null).applied());
            }
            assertEquals(1, core.version());
            int workers = core.status().workers().size();

            try (GrpcParameterClient c = client(port, good, "wrong-token-0123456789abcdef")) {
                assertEquals(Status.Code.UNAUTHENTICATED, failure(() -> c.register(1, "intruder")));
                assertEquals(Status.Code.UNAUTHENTICATED,
                        failure(() -> c.push(1, 2, new float[] {9, 9, 9, 9}, 0, 1, null)));
            }
            try (GrpcParameterClient c = client(port, good, null)) {
                assertEquals(Status.Code.UNAUTHENTICATED, failure(c::status));
            }
            // without a client certificate, with one from another CA, trusting another CA, or in plaintext
            try (GrpcParameterClient c = client(port, new TlsConfig(null, null, ca), TOKEN)) {
                assertEquals(Status.Code.UNAVAILABLE, failure(() -> c.register(1, "no cert")));
            }
            try (GrpcParameterClient c = client(port, new TlsConfig(stranger[0], stranger[1], ca), TOKEN)) {
                assertEquals(Status.Code.UNAVAILABLE, failure(() -> c.register(1, "stranger")));
            }
            try (GrpcParameterClient c = client(port, new TlsConfig(worker[0], worker[1], otherCa), TOKEN)) {
                assertEquals(Status.Code.UNAVAILABLE, failure(() -> c.register(1, "wrong trust")));
            }
            try (GrpcParameterClient c = client(port, TlsConfig.NONE, TOKEN)) {
                assertEquals(Status.Code.UNAVAILABLE, failure(() -> c.register(1, "plaintext")));
            }
            assertEquals(1, core.version(), "nothing got through");
            assertEquals(workers, core.status().workers().size());
        } finally {
            host.stop(2_000);
        }
    }

    @Test
    void serverOnlyTlsAndATokenFromAFileOrTheEnvironment(@TempDir Path dir) throws Exception {
        TestCertificates pki = new TestCertificates("ca");
        Path ca = pki.writeCa(dir.resolve("ca.pem"));
        Path[] server = pki.issue(dir, "server");
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n");
        assertEquals(TOKEN, Tokens.load(tokenFile, Map.of()));
        assertEquals(TOKEN, Tokens.load(null, Map.of(Tokens.ENV, TOKEN)));
        assertNull(Tokens.load(null, Map.of()));
        Files.writeString(tokenFile, "short\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokens.load(tokenFile, Map.of()));
        assertTrue(e.getMessage().contains("--token-file"), e.getMessage());

        ParameterServerCore core = core();
        ServerHost host = serve(core, new TlsConfig(server[0], server[1], null), TOKEN);
        try (GrpcParameterClient c = client(host.port(), new TlsConfig(null, null, ca), TOKEN)) {
            c.register(0, "w");
            assertTrue(c.initialize(LAYOUT, new float[4]));
            assertFalse(c.status().workers().isEmpty());
        } finally {
            host.stop(2_000);
        }
    }
}
