package dev.momentumps.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gap ‖θ_apply − θ_computed‖ measured by the server of a real mps train run (server and worker processes). */
class TrainGapTest {

    /** {staleness, gap} of every applied gradient in metrics.csv; fails when the gap column is absent. */
    private static List<double[]> gaps(Path dir) throws Exception {
        List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"));
        List<String> header = List.of(lines.get(0).split(","));
        int tau = header.indexOf("staleness");
        int gap = header.indexOf("gap");
        assertTrue(gap >= 0, "metrics.csv has a gap column: " + lines.get(0));
        List<double[]> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            if (!f[tau].isEmpty()) { // not the evaluation at update 0
                assertFalse(f[gap].isEmpty(), "every applied gradient has its gap: " + line);
                rows.add(new double[] {Double.parseDouble(f[tau]), Double.parseDouble(f[gap])});
            }
        }
        return rows;
    }

    @Test
    void asynchronousWorkersComputeOnWeightsThatMovedAndTheGapSaysHowFar(@TempDir Path dir) throws Exception {
        CliRunner.Result r = CliRunner.run("train", "--no-progress", "--workers", "3", "--model", "linear",
                "--samples", "2000", "--updates", "240", "--lr", "0.05", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err() + r.out());
        List<double[]> rows = gaps(dir);
        JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertEquals(s.get("gradients_applied").asLong(), rows.size());
        long stale = 0;
        double sum = 0;
        for (double[] row : rows) {
            // heavy ball sends the live weights: a gradient of staleness 0 was computed on the weights it is applied to, any later one not
            assertEquals(row[0] == 0, row[1] == 0, "staleness " + row[0] + ", gap " + row[1]);
            stale += row[0] > 0 ? 1 : 0;
            sum += row[1];
        }
        assertTrue(stale > 0, "three asynchronous workers push stale gradients");
        JsonNode g = s.get("gap");
        assertEquals(rows.size(), g.get("measured").asLong(), s.toString());
        assertEquals(sum / rows.size(), g.get("mean").asDouble(), 1e-9 * Math.max(1, sum));
        assertTrue(g.get("mean").asDouble() > 0 && g.get("max").asDouble() >= g.get("mean").asDouble(), g.toString());
        assertEquals(0.0, g.get("mean_by_staleness").get(0).asDouble(), "tau 0: no gap");
        assertTrue(Files.size(dir.resolve("gap.png")) > 1000);
        assertTrue(r.out().contains("  gap           mean "), r.out());
        assertEquals("momentum(lr=0.05, beta=0.9, weight_decay=0.0)", s.get("optimizer").asText(),
                "the meter is no part of the optimizer");
    }

    @Test
    void aSynchronousRoundAppliesEveryGradientToTheWeightsItWasComputedOn(@TempDir Path dir) throws Exception {
        CliRunner.Result r = CliRunner.run("train", "--no-progress", "--workers", "2", "--mode", "sync",
                "--model", "linear", "--samples", "2000", "--updates", "80", "--lr", "0.05", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err() + r.out());
        List<double[]> rows = gaps(dir);
        assertEquals(80, rows.size());
        for (double[] row : rows) {
            assertEquals(0.0, row[1], "a synchronous gradient has no gap");
        }
        JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertEquals(0.0, s.at("/gap/max").asDouble(-1), s.toString());
    }

    @Test
    void noGapMeterLeavesTheColumnEmpty(@TempDir Path dir) throws Exception {
        CliRunner.Result r = CliRunner.run("train", "--in-process", "--no-progress", "--workers", "2", "--model",
                "linear", "--samples", "400", "--updates", "20", "--no-gap-meter", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err() + r.out());
        List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"));
        assertTrue(lines.get(0).contains(",gap,"));
        int gap = List.of(lines.get(0).split(",")).indexOf("gap");
        assertTrue(lines.stream().skip(1).allMatch(l -> l.split(",", -1)[gap].isEmpty()));
        JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertTrue(s.get("gap") == null, s.toString());
        assertTrue(Files.notExists(dir.resolve("gap.png")));
    }
}
