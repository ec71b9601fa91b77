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

/** A diverging run is an outcome with its reports, not a crash; evaluation goes by updates. */
class DivergenceCommandTest {

    private static final String[] DIVERGING = {"train", "--simulate", "--workers", "8", "--model", "linear",
        "--optimizer", "momentum", "--momentum", "0.9", "--lr", "0.3", "--updates", "3000", "--no-progress",
        "--dashboard", "off"};

    private static CliRunner.Result run(Path dir, String... extra) {
        List<String> a = new java.util.ArrayList<>(List.of(DIVERGING));
        a.addAll(List.of(extra));
        a.addAll(List.of("--out", dir.toString()));
        return CliRunner.run(a.toArray(new String[0]));
    }

    @Test
    void aDivergingSimulatedRunEndsCleanlyWithItsReports(@TempDir Path dir) throws Exception {
        CliRunner.Result r = run(dir);
        assertEquals(0, r.exit(), r.err() + r.out());
        assertFalse(r.err().contains("Exception"), "no stack trace: " + r.err());
        assertTrue(r.out().contains("DIVERGED at update"), r.out());
        JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertTrue(s.get("diverged").asBoolean(), s.toString());
        long at = s.get("diverged_at_update").asLong();
        assertTrue(at > 0 && at <= s.get("updates").asLong(), s.toString());
        for (String f : List.of("metrics.csv", "loss.png", "staleness.png", "report.html")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
    }

    @Test
    void stopOnDivergenceEndsTheRunAtTheFirstDivergedEvaluation(@TempDir Path dir) throws Exception {
        CliRunner.Result r = run(dir, "--stop-on-divergence", "--eval-every", "5");
        assertEquals(0, r.exit(), r.err() + r.out());
        JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertTrue(s.get("diverged").asBoolean());
        assertEquals(s.get("diverged_at_update").asLong(), s.get("updates").asLong(), "stopped where it diverged");
        assertEquals(0, s.get("diverged_at_update").asLong() % 5, "evaluations every 5 updates");
    }

    @Test
    void aStableRunIsNotDivergedAndIsEvaluatedEveryNUpdates(@TempDir Path dir) throws Exception {
        CliRunner.Result r = CliRunner.run("train", "--simulate", "--workers", "4", "--updates", "400",
                "--eval-every", "40", "--no-progress", "--dashboard", "off", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err() + r.out());
        JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertFalse(s.get("diverged").asBoolean());
        assertFalse(s.has("diverged_at_update"));
        List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"));
        long evaluated = lines.stream().skip(1).filter(l -> !l.endsWith(",,")).count();
        assertEquals(1 + 400 / 40, evaluated, "updates 0, 40, 80, ..., 400 carry the whole-set losses");
        assertTrue(lines.get(1).startsWith("0,"), "update 0 first: " + lines.get(1));
        assertTrue(lines.stream().skip(1).filter(l -> !l.endsWith(",,")).allMatch(l -> !l.endsWith(",")),
                "a test loss beside every training loss");
    }
}
