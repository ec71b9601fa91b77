package dev.momentumps.cli.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.momentumps.cli.run.MpsProcesses;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real browser on the dashboard of a running {@code mps train}: headless Chromium (Debian's
 * {@code chromium}, which src/scripts/ensure-chromium.sh installs for CI) driven over the DevTools protocol.
 * It checks that every chart is drawn (its canvas has painted pixels), that the numbers advance between two
 * looks, and that the page requested nothing but its own server. Without a chromium binary the test is
 * skipped with a message, unless {@code MPS_REQUIRE_CHROMIUM=1} (set by .ci/run), where it fails.
 * {@code -Dmps.dashboard.screenshot=FILE} keeps a screenshot (docs/img/dashboard.png is one).
 */
class DashboardBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern URL = Pattern.compile("dashboard: (http://127\\.0\\.0\\.1:\\d+/)");

    static Path chromium() {
        for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (Files.isExecutable(Path.of(c))) {
                return Path.of(c);
            }
        }
        return null;
    }

    @Test
    void chromiumSeesChartsDrawnAndNumbersAdvanceAndNothingOffTheMachine(@TempDir Path tmp) throws Exception {
        Path chromium = chromium();
        if (chromium == null) {
            String why = "NO CHROMIUM: the browser test of the dashboard did not run (install it with "
                    + "src/scripts/ensure-chromium.sh)";
            System.err.println("*** " + why);
            assertTrue(!"1".equals(System.getenv("MPS_REQUIRE_CHROMIUM")), why);
            Assumptions.abort(why);
        }
        Path trainLog = tmp.resolve("train.log");
        Process train = MpsProcesses.start(List.of("train", "--in-process", "--workers", "3", "--updates", "6000",
                "--delay-ms", "3", "--no-progress", "--out", tmp.resolve("run").toString()), trainLog);
        Process browser = null;
        try {
            String url = awaitUrl(train, trainLog);
            Path profile = Files.createDirectory(tmp.resolve("profile"));
            browser = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update", "--no-first-run",
                    "--disable-sync", "--disable-extensions", "--user-data-dir=" + profile,
                    "--remote-debugging-port=0", "--remote-allow-origins=*", "--window-size=1400,1800", "about:blank")
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("chromium.log").toFile()).start();
            try (Cdp cdp = Cdp.connect(profile.resolve("DevToolsActivePort"), browser)) {
                cdp.call("Network.enable", Map.of());
                cdp.call("Page.enable", Map.of());
                cdp.call("Page.navigate", Map.of("url", url));
                long first = awaitNumber(cdp, "version", 0, 20_000);
                Thread.sleep(2_500);
                long second = awaitNumber(cdp, "version", first + 1, 20_000);
                assertTrue(second > first, "the update count advances without a reload: " + first + " -> " + second);
                int charts = eval(cdp, "document.querySelectorAll('.chart').length").asInt();
                int drawn = eval(cdp, "Array.from(document.querySelectorAll('.chart canvas')).filter(function (c) {"
                        + " if (c.width === 0 || c.offsetParent === null) return false;"
                        + " var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                        + " for (var i = 3; i < d.length; i += 4) if (d[i] !== 0) return true; return false; }).length")
                        .asInt();
                int visible = eval(cdp, "Array.from(document.querySelectorAll('.chart'))"
                        + ".filter(function (e) { return e.offsetParent !== null; }).length").asInt();
                assertTrue(charts >= 5, "charts on the page: " + charts);
                assertEquals(visible, drawn, "every visible chart has painted pixels");
                assertTrue(eval(cdp, "document.getElementById('train-loss').textContent").asText().matches("[0-9.e+-]+"),
                        "a training loss is shown");
                assertTrue(eval(cdp, "document.querySelectorAll('#workers tbody tr').length").asInt() == 3,
                        "a row per worker");
                String shot = System.getProperty("mps.dashboard.screenshot");
                if (shot != null && !shot.isBlank()) {
                    JsonNode png = cdp.call("Page.captureScreenshot", Map.of("format", "png"));
                    Files.write(Path.of(shot), Base64.getDecoder().decode(png.get("data").asText()));
                }
                List<String> requested = cdp.requests();
                assertTrue(requested.size() >= 4, "the page, two assets and api/run at least: " + requested);
                for (String r : requested) {
                    assertTrue(r.startsWith(url) || r.startsWith("data:"), "the page requested something off its "
                            + "own server: " + r + " (all: " + requested + ")");
                }
            }
        } finally {
            if (browser != null) {
                browser.destroy();
                if (!browser.waitFor(10, TimeUnit.SECONDS)) {
                    browser.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            train.destroy();
            if (!train.waitFor(20, TimeUnit.SECONDS)) {
                train.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    static String awaitUrl(Process train, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            Matcher m = URL.matcher(text);
            if (m.find()) {
                return m.group(1);
            }
            assertTrue(train.isAlive(), "mps train ended before serving its dashboard:\n" + text);
            Thread.sleep(100);
        }
        throw new AssertionError("mps train printed no dashboard address:\n" + Files.readString(log));
    }

    /** Waits until the element's text is a number >= min (the page has drawn data). */
    private static long awaitNumber(Cdp cdp, String id, long min, long timeoutMillis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        String last = "";
        while (System.nanoTime() < deadline) {
            last = eval(cdp, "(document.getElementById('" + id + "') || {}).textContent || ''").asText();
            String digits = last.replace(",", "");
            if (digits.matches("\\d+") && Long.parseLong(digits) >= min) {
                return Long.parseLong(digits);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("#" + id + " never showed a number >= " + min + "; last '" + last + "'");
    }

    private static JsonNode eval(Cdp cdp, String expression) throws Exception {
        JsonNode r = cdp.call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        if (r.has("exceptionDetails")) {
            throw new AssertionError("the page threw: " + r.get("exceptionDetails"));
        }
        return r.at("/result/value");
    }

    /** A minimal Chrome DevTools Protocol client over the JDK's WebSocket: calls and the URLs requested. */
    static final class Cdp implements WebSocket.Listener, AutoCloseable {
        private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
        private final List<String> requests = new CopyOnWriteArrayList<>();
        private final AtomicInteger ids = new AtomicInteger();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;

        static Cdp connect(Path activePort, Process browser) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(activePort) || Files.readAllLines(activePort).isEmpty()) {
                assertTrue(browser.isAlive(), "chromium exited with code " + (browser.isAlive() ? 0 : browser.exitValue()));
                assertTrue(System.nanoTime() < deadline, "chromium wrote no DevToolsActivePort");
                Thread.sleep(100);
            }
            int port = Integer.parseInt(Files.readAllLines(activePort).get(0).strip());
            HttpClient http = HttpClient.newHttpClient();
            String page = null;
            while (page == null) {
                JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/json/list")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                for (JsonNode t : targets) {
                    if ("page".equals(t.path("type").asText())) {
                        page = t.get("webSocketDebuggerUrl").asText();
                    }
                }
                assertTrue(page != null || System.nanoTime() < deadline, "chromium shows no page");
                Thread.sleep(page == null ? 100 : 0);
            }
            Cdp cdp = new Cdp();
            cdp.socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create(page), cdp).get(10, TimeUnit.SECONDS);
            return cdp;
        }

        JsonNode call(String method, Map<String, Object> params) throws Exception {
            int id = ids.incrementAndGet();
            CompletableFuture<JsonNode> f = new CompletableFuture<>();
            pending.put(id, f);
            ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
            msg.set("params", JSON.valueToTree(params));
            socket.sendText(JSON.writeValueAsString(msg), true).get(10, TimeUnit.SECONDS);
            JsonNode reply = f.get(20, TimeUnit.SECONDS);
            if (reply.has("error")) {
                throw new AssertionError(method + ": " + reply.get("error"));
            }
            return reply.path("result");
        }

        List<String> requests() {
            return new ArrayList<>(requests);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode m = JSON.readTree(partial.toString());
                    if (m.has("id")) {
                        CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
                        if (f != null) {
                            f.complete(m);
                        }
                    } else if ("Network.requestWillBeSent".equals(m.path("method").asText())) {
                        requests.add(m.at("/params/request/url").asText());
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                } finally {
                    partial.setLength(0);
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public void close() {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        }
    }
}
