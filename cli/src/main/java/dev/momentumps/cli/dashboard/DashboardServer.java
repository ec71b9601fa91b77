package dev.momentumps.cli.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The dashboard over HTTP (the JDK's built-in server, two threads): {@code /} the page, {@code assets/*} its
 * scripts and styles from the jar, {@code api/run} the run's data as JSON, and optionally {@code /metrics}
 * (Prometheus text format). It binds to loopback unless told otherwise.
 *
 * <p>With a bearer token configured every request must carry it, as {@code Authorization: Bearer <token>}
 * (what Prometheus and curl send) or as the cookie the page sets when opened with {@code ?token=<token>} (what
 * a browser can do); anything else gets 401 and nothing of the run. Comparisons take constant time. Every
 * answer carries a Content-Security-Policy that lets the page load and fetch from this server only.
 */
public final class DashboardServer implements AutoCloseable {
    static final String COOKIE = "mps_dashboard_token";
    static final String CSP = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            + "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

    private final HttpServer http;
    private final ExecutorService executor;
    private final byte[] token;
    /** The cookie holds the token's SHA-256 (hex), not the token: a token may hold characters a cookie may not. */
    private final String cookieValue;
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    /**
     * @param host    the address to bind ({@code 127.0.0.1} for loopback)
     * @param port    0 for an ephemeral port
     * @param token   the bearer token every request must carry; null for none
     * @param run     the data {@code api/run} answers
     * @param metrics the {@code /metrics} text (Prometheus exposition format), null from it while there is none
     *                yet (503); null for no {@code /metrics}
     */
    public DashboardServer(String host, int port, String token, Supplier<String> run, Supplier<String> metrics)
            throws IOException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--dashboard must be a port in [0, 65535] or 'off', got " + port);
        }
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.cookieValue = token == null ? null : sha256(token);
        this.http = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 16);
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "mps-dashboard");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        http.createContext("/", exchange -> handle(exchange, run, metrics));
        http.start();
    }

    /** The bound port. */
    public int port() {
        return http.getAddress().getPort();
    }

    /** The page's address, e.g. {@code http://127.0.0.1:41234/}. */
    public String url() {
        InetAddress a = http.getAddress().getAddress();
        String host = a.isAnyLocalAddress() ? "127.0.0.1" : a.getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/";
    }

    /** Every request's method and path (with query), in order: what the page asked this server for. */
    public List<String> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    private void handle(HttpExchange ex, Supplier<String> run, Supplier<String> metrics) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            requests.add(ex.getRequestMethod() + " " + ex.getRequestURI());
            ex.getResponseHeaders().set("Content-Security-Policy", CSP);
            ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
                send(ex, 405, "text/plain", "only GET\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String queryToken = queryParameter(ex.getRequestURI().getRawQuery(), "token");
            if (!authorized(ex, queryToken)) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"momentum-ps\"");
                send(ex, 401, "text/plain", ("a bearer token is needed: send 'Authorization: Bearer <token>' or open "
                        + "the page as /?token=<token>\n").getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (token != null && queryToken != null) {
                ex.getResponseHeaders().add("Set-Cookie", COOKIE + "=" + cookieValue
                        + "; HttpOnly; SameSite=Strict; Path=/");
            }
            if (path.equals("/") || path.equals("/index.html")) {
                send(ex, 200, "text/html; charset=utf-8", DashboardPage.live().getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/api/run")) {
                send(ex, 200, "application/json", run.get().getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/metrics") && metrics != null) {
                String text = metrics.get();
                if (text == null) {
                    send(ex, 503, "text/plain", "the server is not up yet\n".getBytes(StandardCharsets.UTF_8));
                } else {
                    send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
                }
            } else if (path.startsWith("/assets/") && DashboardPage.asset(path.substring(8)) != null) {
                String name = path.substring(8);
                send(ex, 200, name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8",
                        DashboardPage.asset(name));
            } else {
                send(ex, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
            }
        } catch (RuntimeException e) {
            System.err.println("momentum-ps dashboard: " + ex.getRequestURI() + ": " + e);
        }
    }

    private boolean authorized(HttpExchange ex, String queryToken) {
        if (token == null) {
            return true;
        }
        String header = ex.getRequestHeaders().getFirst("Authorization");
        if (header != null && header.startsWith("Bearer ") && matches(header.substring(7))) {
            return true;
        }
        if (queryToken != null && matches(queryToken)) {
            return true;
        }
        List<String> cookies = ex.getRequestHeaders().get("Cookie");
        if (cookies != null) {
            for (String line : cookies) {
                for (String c : line.split(";")) {
                    String t = c.strip();
                    if (t.startsWith(COOKIE + "=") && MessageDigest.isEqual(cookieValue.getBytes(StandardCharsets.UTF_8),
                            t.substring(COOKIE.length() + 1).getBytes(StandardCharsets.UTF_8))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private boolean matches(String candidate) {
        return MessageDigest.isEqual(token, candidate.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(String s) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String queryParameter(String rawQuery, String name) {
        if (rawQuery == null) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(code, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Stops at once (the page simply stops updating). */
    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }
}
