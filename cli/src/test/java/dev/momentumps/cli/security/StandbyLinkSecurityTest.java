package dev.momentumps.cli.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.cli.run.Channels;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.ShardRole;
import dev.momentumps.server.grpc.BearerTokenInterceptor;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.grpc.StandbyLink;
import dev.momentumps.server.grpc.StandbyService;
import dev.momentumps.server.grpc.TlsConfig;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.client.GrpcParameterClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The link between a primary and its hot standby over mutual TLS with a bearer token, built as
 * {@code mps server --standby HOST:PORT --standby-tls-ca PEM --tls-cert --tls-key} builds it (the token from
 * the primary's environment): a primary with the wrong token, trusting another CA, or with a client
 * certificate of another CA is refused with a line naming {@code --standby}, the address and why, and the
 * standby stays free; the right one attaches and every update it acknowledges is on the standby.
 */
class StandbyLinkSecurityTest {
    private static final String TOKEN = "standby-token-0123456789abcdef";
    private static final TensorLayout LAYOUT = TensorLayout.of("w", 4);

    private static ParameterServerCore core() {
        OptimizerConfig c = OptimizerConfig.defaults("sgd");
        return new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0, new Asynchronous(), 1);
    }

    @Test
    void theLinkTakesTheRightTokenAndCertificatesAndRefusesOthersClearly(@TempDir Path dir) throws Exception {
        TestCertificates pki = new TestCertificates("momentum-ps test CA");
        Path ca = pki.writeCa(dir.resolve("ca.pem"));
        Path[] standbyCert = pki.issue(dir, "standby");
        Path[] primaryCert = pki.issue(dir, "primary");
        TestCertificates other = new TestCertificates("someone else's CA");
        Path otherCa = other.writeCa(dir.resolve("other-ca.pem"));
        Path[] stranger = other.issue(dir, "stranger");

        ParameterServerCore standby = core();
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
                new TlsConfig(standbyCert[0], standbyCert[1], ca).serverCredentials()); // a client certificate required
        b.intercept(new BearerTokenInterceptor(TOKEN));
        ServerHost standbyHost = new ServerHost(b, standby, "127.0.0.1", 1 << 20, 10_000, ShardRole.SINGLE,
                new StandbyService(standby, m -> { })).start();
        String address = "127.0.0.1:" + standbyHost.port();
        ServerHost primaryHost = null;
        StandbyLink link = null;
        try {
            TlsConfig right = new TlsConfig(primaryCert[0], primaryCert[1], ca);
            assertTrue(refusal(address, right, "wrong-token-0123456789abcdef")
                    .endsWith("UNAUTHENTICATED: wrong bearer token"));
            assertTrue(refusal(address, new TlsConfig(primaryCert[0], primaryCert[1], otherCa), TOKEN)
                    .contains("unable to find valid certification path"));
            assertTrue(refusal(address, new TlsConfig(stranger[0], stranger[1], ca), TOKEN).contains("CERTIFICATE"));
            assertTrue(refusal(address, TlsConfig.NONE, TOKEN).contains("UNAVAILABLE"));

            ParameterServerCore primary = core();
            link = StandbyLink.attach(Channels.forAddress(address, "--standby", right, TOKEN), address, primary,
                    20_000, 1 << 20, m -> { });
            primaryHost = new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), primary,
                    "127.0.0.1", 1 << 20, 10_000).start();
            try (GrpcParameterClient c = new GrpcParameterClient(Channels.forAddress("127.0.0.1:" + primaryHost.port(),
                    "--server", TlsConfig.NONE, null), true, 10_000)) {
                c.register(0, "w");
                assertTrue(c.initialize(LAYOUT, new float[4]));
                for (int seq = 1; seq <= 3; seq++) {
                    assertTrue(c.push(seq - 1, seq, new float[] {1, 2, 3, 4}, 0.5, 1, null).applied());
                }
            }
            assertEquals(3, standby.version(), "every acknowledged update crossed the link");
            assertArrayEquals(primary.weights(), standby.weights());
            assertEquals(null, link.lostReason());
        } finally {
            if (link != null) {
                link.close();
            }
            if (primaryHost != null) {
                primaryHost.stop(1_000);
            }
            standbyHost.stop(1_000);
        }
    }

    /** The line a refused primary exits with (mps server prints it and exits with code 2). */
    private static String refusal(String address, TlsConfig tls, String token) {
        ManagedChannel channel = Channels.forAddress(address, "--standby", tls, token);
        try {
            String message = assertThrows(IllegalStateException.class,
                    () -> StandbyLink.attach(channel, address, core(), 20_000, 1 << 20, m -> { })).getMessage();
            assertTrue(message.startsWith("--standby " + address + ": the standby did not attach: "), message);
            return message;
        } finally {
            channel.shutdownNow();
        }
    }
}
