package dev.momentumps.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real multi-host run on one machine: five Linux network namespaces ("hosts") with their own addresses
 * in 10.77.0.0/24, joined by veth pairs to a bridge in a sixth (hub) namespace. Two server shards and three
 * workers run the real {@code mps.jar} on different hosts and train synchronously over TCP; then one
 * unsharded server trains the same run again, and every worker's loss at every step must be the same.
 *
 * <p>Needs root and iproute2; skipped (with the reason) where a namespace cannot be created. Every
 * process, namespace and veth is removed afterwards, also when the test fails (deleting a namespace
 * deletes its veth ends and the bridge).
 */
class NetnsClusterIT {
    private static final long TIMEOUT_S = 40;
    private static final String NET = "10.77.0.";
    private final String prefix = "mpsit" + ProcessHandle.current().pid() + "-";
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private Thread cleanupHook;
    private Path jar;
    private Path logs;

    @BeforeEach
    void network() throws Exception {
        assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"), "network namespaces need Linux");
        jar = Path.of(System.getProperty("mps.jar", "target/mps.jar"));
        assumeTrue(Files.exists(jar), "no " + jar + " (run after 'package')");
        cleanupHook = new Thread(this::cleanup, "netns-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanupHook);
        String hub = prefix + "hub";
        Result r = ip("netns", "add", hub);
        assumeTrue(r.code == 0, "skipped: cannot create a network namespace (needs root and iproute2): " + r.out);
        namespaces.add(hub);
        must(ip("-n", hub, "link", "add", "br0", "type", "bridge"));
        must(ip("-n", hub, "link", "set", "br0", "up"));
        for (int h = 0; h < 5; h++) {
            String ns = host(h);
            must(ip("netns", "add", ns));
            namespaces.add(ns);
            must(ip("-n", hub, "link", "add", "p" + h, "type", "veth", "peer", "name", "eth0", "netns", ns));
            must(ip("-n", hub, "link", "set", "p" + h, "master", "br0", "up"));
            must(ip("-n", ns, "addr", "add", address(h) + "/24", "dev", "eth0"));
            must(ip("-n", ns, "link", "set", "eth0", "up"));
            must(ip("-n", ns, "link", "set", "lo", "up"));
        }
        logs = Files.createTempDirectory("mps-netns");
    }

    private String host(int h) {
        return prefix + "h" + h;
    }

    private static String address(int h) {
        return NET + (10 + h);
    }

    @AfterEach
    void tearDown() {
        cleanup();
        if (cleanupHook != null) {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        }
    }

    private synchronized void cleanup() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            try {
                ip("netns", "del", namespaces.get(i));
            } catch (IOException | InterruptedException e) {
                System.err.println("could not delete namespace " + namespaces.get(i) + ": " + e);
            }
        }
        namespaces.clear();
    }

    @Test
    void twoShardsOnTwoHostsAndThreeWorkersOnThreeMoreTrainLikeOneServer() throws Exception {
        String shards = address(0) + ":7070," + address(1) + ":7070";
        // the shards are configured the way a scheduler would: by environment variables only
        List<String> serverLogs = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            Path log = logs.resolve("sharded-server-" + k + ".log");
            start(host(k), log, Map.of("MPS_BIND", address(k), "MPS_PORT", "7070", "MPS_SHARD_INDEX",
                    Integer.toString(k), "MPS_SHARDS", shards), "server", "--mode", "sync", "--optimizer", "adam");
            serverLogs.add(awaitLine(log, "listening on"));
        }
        List<List<String>> sharded = runWorkers("--servers", shards, "sharded");
        String listening = serverLogs.get(0);
        assertTrue(listening.contains(address(0) + ":7070"), listening);
        stopAll();

        start(host(0), logs.resolve("single-server.log"), Map.of(), "server", "--bind", address(0), "--port", "7071",
                "--mode", "sync", "--optimizer", "adam");
        awaitLine(logs.resolve("single-server.log"), "listening on");
        List<List<String>> single = runWorkers("--server", address(0) + ":7071", "single");
        stopAll();

        for (int rank = 0; rank < 3; rank++) {
            assertTrue(sharded.get(rank).size() >= 20, "worker " + rank + " logged " + sharded.get(rank));
            assertEquals(single.get(rank), sharded.get(rank), "worker " + rank + "'s losses, sharded vs one server");
            double first = Double.parseDouble(sharded.get(rank).get(0));
            double last = Double.parseDouble(sharded.get(rank).get(sharded.get(rank).size() - 1));
            assertTrue(last < first, "worker " + rank + ": loss went from " + first + " to " + last);
        }
    }

    /** Starts three workers on hosts 2, 3, 4, waits for them, returns each one's loss at every step. */
    private List<List<String>> runWorkers(String flag, String servers, String tag) throws Exception {
        List<Process> ws = new ArrayList<>();
        for (int rank = 0; rank < 3; rank++) {
            ws.add(start(host(2 + rank), logs.resolve(tag + "-worker-" + rank + ".log"), Map.of(), "worker", flag,
                    servers, "--rank", Integer.toString(rank), "--workers", "3", "--samples", "3000", "--epochs", "1",
                    "--log-every", "1", "--deadline-ms", "20000", "--await-workers"));
        }
        List<List<String>> losses = new ArrayList<>();
        Pattern step = Pattern.compile("^worker \\d+ step \\d+/\\d+ loss (\\S+) ");
        for (int rank = 0; rank < 3; rank++) {
            Path log = logs.resolve(tag + "-worker-" + rank + ".log");
            assertTrue(ws.get(rank).waitFor(TIMEOUT_S, TimeUnit.SECONDS), "worker " + rank + " still running:\n"
                    + Files.readString(log));
            assertEquals(0, ws.get(rank).exitValue(), "worker " + rank + " failed:\n" + Files.readString(log));
            List<String> l = new ArrayList<>();
            for (String line : Files.readAllLines(log)) {
                Matcher m = step.matcher(line);
                if (m.find()) {
                    l.add(m.group(1));
                }
            }
            losses.add(l);
        }
        return losses;
    }

    private Process start(String ns, Path log, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("MPS_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        synchronized (this) {
            processes.add(p);
        }
        return p;
    }

    private synchronized void stopAll() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        processes.clear();
    }

    private String awaitLine(Path log, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                    if (line.contains(text)) {
                        return line;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no '" + text + "' in " + log + " within " + TIMEOUT_S + " s:\n"
                + (Files.exists(log) ? Files.readString(log) : "(no log)"));
    }

    private record Result(int code, String out) {
    }

    private static Result ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Result(-1, "cannot run ip: " + e.getMessage());
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "ip " + String.join(" ", args) + " timed out");
        }
        return new Result(p.exitValue(), out);
    }

    private static void must(Result r) {
        if (r.code != 0) {
            throw new IllegalStateException("ip failed (" + r.code + "): " + r.out);
        }
    }
}
