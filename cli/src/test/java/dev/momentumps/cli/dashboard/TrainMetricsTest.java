package dev.momentumps.cli.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.momentumps.cli.run.MpsProcesses;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mps train} (a server process and worker processes) with a bearer token: its dashboard serves the
 * run's server's {@code /metrics} and refuses requests without the token, and the metrics it leaves in the
 * run directory agree with {@code summary.json}.
 */
class TrainMetricsTest {
    private static final String TOKEN = "train-metrics-token-0123456789";

    @Test
    void metricsDuringTrainAreBehindTheTokenAndAgreeWithTheSummary(@TempDir Path tmp) throws Exception {
        Path tokenFile = tmp.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n");
        Path run = tmp.resolve("run");
        Path log = tmp.resolve("train.log");
        Process train = MpsProcesses.start(List.of("train", "--workers", "2", "--samples", "2000", "--updates", "600",
                "--delay-ms", "10", "--token-file", tokenFile.toString(), "--no-progress", "--out", run.toString()), log);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            String url = DashboardBrowserTest.awaitUrl(train, log);
            for (String path : List.of("", "metrics", "api/run")) {
                HttpResponse<String> refused = get(http, url + path, null);
                assertEquals(401, refused.statusCode(), "without the token: /" + path);
                assertFalse(refused.body().contains("mps_"), refused.body());
                assertEquals(401, get(http, url + path, "wrong-token-0123456789").statusCode(), "a wrong token: /" + path);
            }
            String live = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (live == null && System.nanoTime() < deadline && train.isAlive()) {
                HttpResponse<String> r = get(http, url + "metrics", TOKEN);
                assertTrue(r.statusCode() == 200 || r.statusCode() == 503, "/metrics: " + r.statusCode() + " " + r.body());
                live = r.statusCode() == 200 ? r.body() : null;
                Thread.sleep(100);
            }
            assertTrue(live != null, "the run's /metrics answered while it trained:\n" + Files.readString(log));
            assertTrue(ServerMetricsTest.parse(live).containsKey("mps_updates_applied_total"), live);
            assertTrue(train.waitFor(120, TimeUnit.SECONDS), "mps train ends");
            assertEquals(0, train.exitValue(), Files.readString(log));
        } finally {
            train.destroy();
            if (!train.waitFor(20, TimeUnit.SECONDS)) {
                train.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        Map<String, Double> m = ServerMetricsTest.parse(Files.readString(run.resolve("metrics.prom")));
        JsonNode s = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
        long applied = s.get("gradients_applied").asLong();
        assertEquals(600, applied);
        assertEquals(applied, m.get("mps_gradients_applied_total").longValue());
        assertEquals(s.get("gradients_dropped").asLong(), m.get("mps_gradients_dropped_total").longValue());
        assertEquals(s.get("updates").asLong(), m.get("mps_updates_applied_total").longValue());
        assertEquals(applied, m.get("mps_staleness_count").longValue(), "one staleness per applied gradient");
        long[] h = new ObjectMapper().convertValue(s.at("/staleness/histogram"), long[].class);
        assertEquals(h[0], m.get("mps_staleness_bucket{le=\"0.0\"}").longValue());
        double pushes = m.entrySet().stream().filter(e -> e.getKey().startsWith("mps_pushes_by_path_total"))
                .mapToDouble(Map.Entry::getValue).sum();
        assertEquals(applied, (long) pushes, "every push the workers made is counted by the path it came by");
        // a small model on the server's host takes the payload socket, where no gRPC push call is made
        assertEquals(applied, m.get("mps_pushes_by_path_total{path=\"socket\"}").longValue(), m.toString());
        assertTrue(m.keySet().stream().noneMatch(k -> k.startsWith("mps_pushes_refused_total")
                && k.contains("unauthenticated") && m.get(k) > 0), "the workers and the monitor sent the token");
    }

    private static HttpResponse<String> get(HttpClient http, String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

}
