package dev.momentumps.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mps train --simulate} end to end: the run directory, the staleness it reports, repeatability. */
class SimulateCommandTest {

    private static JsonNode train(Path dir, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--simulate", "--no-progress", "--out",
                dir.toString(), "--model", "quadratic", "--features", "6", "--optimizer", "sgd", "--lr", "0.005",
                "--updates", "400", "--workers", "4"));
        args.addAll(List.of(extra));
        assertEquals(0, Main.run(args.toArray(new String[0])));
        for (String f : List.of("summary.json", "metrics.csv", "loss.png", "staleness.png")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        return new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    }

    @Test
    void fixedDelayRunReportsExactStalenessAndImplicitMomentum(@TempDir Path tmp) throws Exception {
        JsonNode s = train(tmp.resolve("a"), "--fixed-delay", "2");
        assertEquals(400, s.get("updates").asLong());
        assertEquals(2, s.at("/staleness/max").asLong());
        assertEquals(398, s.at("/staleness/histogram/2").asLong());
        assertTrue(s.at("/implicit_momentum/mu").isNumber());
        assertEquals(399, s.at("/implicit_momentum/steps").asLong());
        // the header, the evaluation at update 0, a line per update
        assertEquals(402, Files.readAllLines(tmp.resolve("a/metrics.csv")).size());
    }

    @Test
    void sameSeedSameMetricsAndBackupDropsAreReported(@TempDir Path tmp) throws Exception {
        train(tmp.resolve("a"), "--compute-time", "exp:1", "--straggler", "3:4");
        train(tmp.resolve("b"), "--compute-time", "exp:1", "--straggler", "3:4");
        assertEquals(Files.readString(tmp.resolve("a/metrics.csv")), Files.readString(tmp.resolve("b/metrics.csv")));
        JsonNode backup = train(tmp.resolve("c"), "--mode", "backup", "--backup-workers", "1", "--compute-time",
                "uniform:0.5:1.5");
        long dropped = backup.get("gradients_dropped").asLong();
        assertTrue(dropped > 0);
        assertEquals(400, backup.get("gradients_applied").asLong() + dropped);
        assertEquals(0, backup.at("/staleness/max").asLong());
        long applied = 0;
        for (JsonNode w : backup.get("per_worker")) {
            for (JsonNode count : w.get("staleness_histogram")) {
                applied += count.asLong();
            }
        }
        assertEquals(backup.get("gradients_applied").asLong(), applied, "per-worker histograms add up");
    }

    @Test
    void simulationFlagsWithoutSimulateAreRefused(@TempDir Path tmp) {
        assertEquals(2, Main.run("train", "--fixed-delay", "2", "--out", tmp.toString()));
        assertEquals(2, Main.run("train", "--simulate", "--compute-time", "gamma:2", "--out", tmp.toString()));
        assertEquals(2, Main.run("train", "--simulate", "--straggler", "9:2", "--out", tmp.toString()));
    }
}
