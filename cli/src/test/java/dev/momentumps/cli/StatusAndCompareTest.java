package dev.momentumps.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.server.grpc.BearerTokenInterceptor;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.awt.image.BufferedImage;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mps status asks a running server over gRPC; mps compare overlays run directories. */
class StatusAndCompareTest {

    private static ParameterServerCore core() {
        OptimizerConfig c = OptimizerConfig.defaults("sgd");
        return new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0, new Asynchronous(), 1);
    }

    @Test
    void statusPrintsTheServersStateAndNeedsItsToken(@TempDir Path dir) throws Exception {
        ParameterServerCore core = core();
        int w = core.register(0, "worker-a");
        core.initialize(w, TensorLayout.builder().add("w", 2).build(), new float[2]);
        core.push(w, 0, 1, new float[] {1, 1}, 0.5, 1);
        core.push(w, 0, 2, new float[] {1, 1}, 0.25, 1);
        String token = "status-test-token-0123456789";
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
        b.intercept(new BearerTokenInterceptor(token));
        ServerHost host = new ServerHost(b, core, "test", 1 << 20, 2_000).start();
        try {
            Path tokenFile = Files.writeString(dir.resolve("token"), token + "\n");
            String address = "127.0.0.1:" + host.port();
            CliRunner.Result r = CliRunner.run("status", address, "--token-file", tokenFile.toString());
            assertEquals(0, r.exit(), r.err() + r.out());
            assertTrue(r.out().contains("version       2 (2 parameters)"), r.out());
            assertTrue(r.out().contains("2 applied, 0 dropped"), r.out());
            assertTrue(r.out().contains("staleness     mean 0.500, max 1"), r.out());
            assertTrue(r.out().matches("(?s).*worker-a\\s+alive\\s+2 .*"), r.out());
            CliRunner.Result json = CliRunner.run("status", address, "--token-file", tokenFile.toString(), "--json");
            assertEquals(0, json.exit(), json.err());
            JsonNode j = new ObjectMapper().readTree(json.out());
            assertEquals(2, j.get("version").asLong());
            CliRunner.Result refused = CliRunner.run("status", address);
            assertEquals(3, refused.exit(), refused.out());
            assertTrue(refused.err().contains("UNAUTHENTICATED"), refused.err());
        } finally {
            host.stop(2_000);
        }
    }

    @Test
    void compareOverlaysRunsAndPrintsTheirSummariesSideBySide(@TempDir Path dir) throws Exception {
        for (String[] run : new String[][] {{"slow", "0.01"}, {"fast", "0.05"}}) {
            CliRunner.Result r = CliRunner.run("train", "--simulate", "--workers", "4", "--updates", "400",
                    "--lr", run[1], "--no-progress", "--dashboard", "off", "--out", dir.resolve(run[0]).toString());
            assertEquals(0, r.exit(), r.err() + r.out());
        }
        Path png = dir.resolve("both.png");
        CliRunner.Result r = CliRunner.run("compare", dir.resolve("slow").toString(), dir.resolve("fast").toString(),
                "--out", png.toString());
        assertEquals(0, r.exit(), r.err() + r.out());
        String header = r.out().lines().findFirst().orElseThrow();
        assertTrue(header.contains("slow") && header.contains("fast"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("optimizer") && l.contains("lr=0.01")
                && l.contains("lr=0.05")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("diverged") && l.contains("false")), r.out());
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(2 * 900, image.getWidth(), "four panels, two by two");
        CliRunner.Result bad = CliRunner.run("compare", dir.toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("not a run directory"), bad.err());
    }
}
