package dev.momentumps.cli.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.study.experiment.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepPlotsTest {

    private static SweepCommand.Result result(int run, String lr, String seed, boolean ok, double loss) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("--lr", lr);
        v.put("--seed", seed);
        return new SweepCommand.Result(run, v, ok, loss, null, null, 1.0, "run-" + run + ".log");
    }

    @Test
    void seedsAreReplicatesWithMeanAndStandardError(@TempDir Path dir) throws Exception {
        SweepGrid grid = SweepGrid.parse(List.of("--lr", "0.1,0.2", "--seed", "1,2,3"));
        List<SweepCommand.Result> results = new ArrayList<>(List.of(
                result(0, "0.1", "1", true, 1.0), result(1, "0.1", "2", true, 2.0), result(2, "0.1", "3", true, 3.0),
                result(3, "0.2", "1", true, 5.0), result(4, "0.2", "2", false, Double.NaN),
                result(5, "0.2", "3", true, Double.POSITIVE_INFINITY)));
        assertEquals(List.of("--lr"), SweepPlots.flags(grid));
        Table t = SweepPlots.replicates(grid, results);
        assertEquals(List.of("--lr", "seeds", "final loss (mean ± se)", "95% interval", "failed"), t.columns());
        // lr 0.1: mean 2, se 1/sqrt(3)
        assertEquals(List.of("0.1", "3", "2 ± 0.5774", "[-0.4841, 4.484]", "0"), t.rows().get(0));
        // lr 0.2: one finished run, two failed (one crashed, one diverged): counted, not dropped
        assertEquals(List.of("0.2", "3", "5", "n/a", "2"), t.rows().get(1));
        List<String> pngs = SweepPlots.write(dir, grid, results);
        assertEquals(List.of("loss-vs-lr.png"), pngs);
        assertTrue(Files.size(dir.resolve("loss-vs-lr.png")) > 1000);
    }

    @Test
    void heatMapsPerPairAndReadableNumbers(@TempDir Path dir) throws Exception {
        SweepGrid grid = SweepGrid.parse(List.of("--lr", "0.1,0.2", "--momentum", "0,0.9"));
        List<SweepCommand.Result> results = new ArrayList<>();
        int run = 0;
        for (String lr : List.of("0.1", "0.2")) {
            for (String m : List.of("0", "0.9")) {
                Map<String, String> v = new LinkedHashMap<>();
                v.put("--lr", lr);
                v.put("--momentum", m);
                boolean ok = !(lr.equals("0.2") && m.equals("0.9"));
                results.add(new SweepCommand.Result(run++, v, ok, ok ? 6.5e64 : Double.NaN, null, null, 1, ""));
            }
        }
        assertEquals(List.of("loss-lr-momentum.png"), SweepPlots.write(dir, grid, results));
        assertTrue(Double.isNaN(SweepPlots.best(results, "--lr", "0.2", "--momentum", "0.9")));
        assertEquals("0.##E0", SweepPlots.pattern(new double[][] {{6.5e64, 1}}));
        assertEquals("0.####", SweepPlots.pattern(new double[][] {{0.25, 3}}));
        assertEquals("lr", SweepPlots.label("--lr"));
    }
}
