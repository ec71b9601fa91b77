package dev.momentumps.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {

    private static JsonNode summary(Path dir) throws Exception {
        return new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    }

    @Test
    void inProcessRunWritesTheRunDirectory(@TempDir Path dir) throws Exception {
        CliRunner.Result r = CliRunner.run("train", "--in-process", "--no-progress", "--workers", "3",
                "--samples", "3000", "--epochs", "2", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.out().contains("final loss"), r.out());
        JsonNode s = summary(dir);
        for (String key : List.of("final_loss", "updates", "workers", "wall_seconds", "staleness", "test_accuracy")) {
            assertTrue(s.has(key), "summary.json lacks " + key + ": " + s);
        }
        assertEquals(3, s.get("workers").asInt());
        long updates = s.get("updates").asLong();
        // 2400 train rows over 3 shards of 800, batch 32: 25 steps an epoch, 2 epochs
        assertEquals(3 * 2 * 25, updates);
        assertTrue(s.get("final_loss").asDouble() < 0.45, "loss must fall from ln 2: " + s.get("final_loss"));
        assertTrue(s.get("test_accuracy").asDouble() > 0.8, s.toString());
        JsonNode st = s.get("staleness");
        long sum = 0;
        for (JsonNode c : st.get("histogram")) {
            sum += c.asLong();
        }
        assertEquals(updates, sum, "every applied gradient is in the staleness histogram");
        List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"));
        assertEquals("update,wall_seconds,worker,staleness,minibatch_loss,gap,train_loss,test_loss", lines.get(0));
        assertEquals(updates + 2, lines.size(), "a line per update and one for the evaluation at update 0");
        assertTrue(lines.get(1).matches("0,[0-9.]+,,,,,[0-9.]+,[0-9.]+"), "update 0: the starting loss: " + lines.get(1));
        assertTrue(lines.stream().skip(1).anyMatch(l -> !l.endsWith(",,")), "train_loss is filled at intervals");
        assertTrue(Files.size(dir.resolve("loss.png")) > 1000);
        assertTrue(Files.size(dir.resolve("staleness.png")) > 1000);
    }

    @Test
    void processRunTrainsWithAServerAndWorkerJvms(@TempDir Path dir) throws Exception {
        CliRunner.Result r = CliRunner.run("train", "--no-progress", "--workers", "2", "--model", "linear",
                "--samples", "2000", "--updates", "300", "--lr", "0.05", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err() + r.out());
        JsonNode s = summary(dir);
        assertEquals(2, s.get("workers").asInt());
        assertEquals(300, s.get("updates").asLong());
        // a model this small takes the server's payload socket on its host; the server counted every push
        assertTrue(s.get("transport").asText().matches("socket \\d+ pushes; 2 worker processes on this host"),
                s.toString());
        assertTrue(s.get("final_loss").asDouble() < 0.05, s.toString());
        assertTrue(Files.readString(dir.resolve("server.log")).contains("listening on 127.0.0.1:"));
        // the server process recorded every version, so the implicit momentum of the real run is fitted
        assertTrue(s.at("/implicit_momentum/steps").asLong() > 250, s.toString());
        assertTrue(Files.notExists(dir.resolve("trajectory.f32")), "the trajectory is consumed by the fit");
        assertTrue(Files.readString(dir.resolve("worker-1.log")).contains("worker 1 done"));
    }

    @Test
    void implicitMomentumOfAFullBatchHeavyBallRunIsItsBeta(@TempDir Path dir) throws Exception {
        // full-batch gradients make the step exactly Δₜ₊₁ = βΔₜ − η∇f(wₜ): the fit must recover β and η
        CliRunner.Result r = CliRunner.run("train", "--in-process", "--no-progress", "--workers", "1",
                "--model", "linear", "--samples", "400", "--test-fraction", "0", "--batch-size", "400",
                "--optimizer", "momentum", "--momentum", "0.5", "--lr", "0.05", "--updates", "60",
                "--out", dir.toString());
        assertEquals(0, r.exit(), r.err() + r.out());
        JsonNode fit = summary(dir).get("implicit_momentum");
        assertEquals(0.5, fit.get("mu").asDouble(), 1e-3, fit.toString());
        assertEquals(0.05, fit.get("c").asDouble(), 1e-4, fit.toString());
    }

    @Test
    void modeTakesTheLiteraturesNamesBspAndAsp(@TempDir Path tmp) throws Exception {
        for (String[] names : new String[][] {{"bsp", "sync"}, {"asp", "async"}}) {
            Path dir = tmp.resolve(names[0]);
            CliRunner.Result r = CliRunner.run("train", "--in-process", "--no-progress", "--workers", "2",
                    "--model", "linear", "--samples", "400", "--updates", "20", "--mode", names[0],
                    "--out", dir.toString());
            assertEquals(0, r.exit(), r.err() + r.out());
            assertTrue(r.out().contains(", mode " + names[1] + "\n"), r.out());
            JsonNode s = summary(dir);
            assertEquals(names[1], s.get("mode").asText(), s.toString());
            if (names[1].equals("sync")) {
                assertEquals(0, s.at("/staleness/max").asLong(), "BSP applies no stale gradient: " + s);
            }
        }
    }

    @Test
    void badFlagsGetOneLineNamingTheFlag() {
        expectError(List.of("train", "--workers", "0"), "--workers");
        expectError(List.of("train", "--in-process", "--lr", "-1"), "lr");
        expectError(List.of("train", "--in-process", "--optimizer", "adam", "--momentum", "1.5"), "beta");
        expectError(List.of("train", "--in-process", "--mode", "sometimes"), "--mode");
        expectError(List.of("train", "--in-process", "--model", "svm"), "--model");
        expectError(List.of("train", "--in-process", "--data", "/no/such/file.csv"), "--data");
        expectError(List.of("train", "--in-process", "--batch-size", "0"), "--batch-size");
        expectError(List.of("train", "--epochs", "x"), "--epochs");
        expectError(List.of("worker", "--server", "nohostport"), "--server");
    }

    private static void expectError(List<String> args, String fragment) {
        CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
        assertTrue(r.exit() != 0, args + " should fail");
        assertTrue(r.err().contains(fragment), () -> args + ": '" + r.err() + "' should name " + fragment);
    }

    @Test
    void helpListsEveryCommand() {
        assertEquals(0, CliRunner.run("--help").exit());
        String usage = Main.commandLine().getUsageMessage();
        for (String c : List.of("train", "server", "worker")) {
            assertTrue(usage.contains(c), usage);
            assertEquals(0, CliRunner.run(c, "--help").exit());
        }
    }

    @Test
    void everyHelpTextFormatsWithoutPicocliWarnings() {
        // picocli formats descriptions with String.format; a bare '%' prints "[picocli WARN] Could not format"
        java.io.PrintStream old = System.err;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            renderAll(Main.commandLine());
        } finally {
            System.setErr(old);
        }
        String warnings = buf.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertFalse(warnings.contains("picocli WARN"), warnings);
    }

    private static void renderAll(picocli.CommandLine cl) {
        cl.getUsageMessage();
        for (picocli.CommandLine sub : cl.getSubcommands().values()) {
            renderAll(sub);
        }
    }
}
