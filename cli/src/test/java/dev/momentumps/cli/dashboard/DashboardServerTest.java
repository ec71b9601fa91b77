package dev.momentumps.cli.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.momentumps.study.report.Evaluation;
import dev.momentumps.wire.ConsistencyKind;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.StalenessStats;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DashboardServerTest {
    private static final String TOKEN = "0123456789abcdef-secret";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static LiveRun aRun() {
        LiveRun run = new LiveRun();
        run.configure("test task", Map.of("seed", 42), 100);
        StalenessStats st = StalenessStats.fromHistogram(new long[] {3, 5, 2});
        run.status(new ServerStatus(10, 10, 0, true, ConsistencyKind.ASYNCHRONOUS, -1, "sgd(lr=0.1)", 4,
                List.of(new ServerStatus.Worker(0, 0, "w0", 6, true, 0.8, 2),
                        new ServerStatus.Worker(1, 1, "w1", 4, false, 1.0, 2)), st, 0.5), 1.0);
        run.evaluation(new Evaluation(10, 1.0, 0.4, Double.NaN, Double.NaN));
        return run;
    }

    @Test
    void theImplicitMomentumOfEachIntervalIsItsMeanStalenessOverOnePlusIt() {
        LiveRun run = aRun(); // histogram [3, 5, 2]: mean staleness 9 / 10
        StalenessStats later = StalenessStats.fromHistogram(new long[] {3, 5, 2, 0, 10}); // then ten more at τ = 4
        run.status(new ServerStatus(20, 20, 0, true, ConsistencyKind.ASYNCHRONOUS, -1, "sgd(lr=0.1)", 4,
                List.of(new ServerStatus.Worker(0, 0, "w0", 16, true, 2.4, 4)), later, 0.5), 2.0);
        Map<String, Object> m = run.snapshot();
        @SuppressWarnings("unchecked")
        Double[] mu = (Double[]) ((Map<String, Object>) m.get("progress")).get("implicit_momentum");
        assertEquals(0.9 / 1.9, mu[0], 1e-12);
        assertEquals(4.0 / 5.0, mu[1], 1e-12, "the second interval's gradients were all 4 versions stale");
        assertEquals(later.mean() / (1 + later.mean()), (Double) m.get("implicit_momentum"), 1e-12);
    }

    @Test
    void withATokenEveryRequestWithoutItIsRefused() throws Exception {
        LiveRun run = aRun();
        try (DashboardServer d = new DashboardServer("127.0.0.1", 0, TOKEN, run::json, () -> "# metrics\n")) {
            for (String path : List.of("", "api/run", "metrics", "assets/uPlot.iife.min.js")) {
                HttpResponse<String> r = get(d.url() + path);
                assertEquals(401, r.statusCode(), path);
                assertFalse(r.body().contains("test task"), path);
                assertEquals(401, get(d.url() + path, "Authorization", "Bearer wrong-token-0123456").statusCode());
            }
            assertEquals(200, get(d.url() + "api/run", "Authorization", "Bearer " + TOKEN).statusCode());
            assertEquals(200, get(d.url() + "metrics", "Authorization", "Bearer " + TOKEN).statusCode());
            // a browser: ?token= once, then the cookie it sets
            HttpResponse<String> page = get(d.url() + "?token=" + TOKEN);
            assertEquals(200, page.statusCode());
            String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
            assertFalse(cookie.contains(TOKEN), "the cookie holds a hash, not the token");
            assertEquals(200, get(d.url() + "api/run", "Cookie", cookie).statusCode());
            assertEquals(401, get(d.url() + "api/run", "Cookie", cookie + "x").statusCode());
        }
    }

    @Test
    void servesThePageItsAssetsAndTheRunAsJson() throws Exception {
        LiveRun run = aRun();
        try (DashboardServer d = new DashboardServer("127.0.0.1", 0, null, run::json, null)) {
            HttpResponse<String> page = get(d.url());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("assets/uPlot.iife.min.js"));
            assertTrue(page.headers().firstValue("Content-Security-Policy").orElseThrow().contains("default-src 'none'"));
            assertTrue(get(d.url() + "assets/uPlot.iife.min.js").body().contains("uPlot"));
            assertEquals(404, get(d.url() + "metrics").statusCode(), "no /metrics unless given");
            assertEquals(404, get(d.url() + "assets/../../etc/passwd").statusCode());
            JsonNode j = new ObjectMapper().readTree(get(d.url() + "api/run").body());
            assertEquals(10, j.get("version").asLong());
            assertEquals(1, j.get("workers_alive").asInt());
            assertTrue(j.at("/evaluations/test_loss/0").isNull(), "NaN is null in JSON");
            assertEquals(0.4, j.at("/evaluations/train_loss/0").asDouble());
            assertTrue(j.get("events").toString().contains("worker 1 (rank 1) is gone"), j.get("events").toString());
            assertTrue(d.requests().contains("GET /api/run"), d.requests().toString());
        }
    }

    @Test
    void theReportIsOneFileWithItsDataAndScripts(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("report.html");
        aRun().writeReport(f);
        String html = Files.readString(f);
        assertTrue(html.contains("window.MPS_DATA = {"), "data inline");
        assertTrue(html.contains("uPlot"), "uPlot inline");
        assertFalse(html.contains("src=\""), "no script loaded from anywhere");
        assertFalse(html.contains("href=\"http"), "no stylesheet or link off the file");
    }
}
