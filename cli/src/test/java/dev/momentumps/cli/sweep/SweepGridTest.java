package dev.momentumps.cli.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SweepGridTest {

    @Test
    void commaSeparatedFlagsAreSweptTheRestPassedOn() {
        SweepGrid g = SweepGrid.parse(List.of("--workers", "4", "--lr", "0.01,0.1", "--simulate", "--momentum=0,-0.5",
                "--mode", "async"));
        assertEquals(List.of("--workers", "4", "--simulate", "--mode", "async"), g.fixed());
        assertEquals(Map.of("--lr", List.of("0.01", "0.1"), "--momentum", List.of("0", "-0.5")), g.swept());
        List<SweepGrid.Point> p = g.points();
        assertEquals(4, p.size());
        assertEquals(Map.of("--lr", "0.01", "--momentum", "0"), p.get(0).values());
        assertEquals(Map.of("--lr", "0.01", "--momentum", "-0.5"), p.get(1).values());
        assertEquals(Map.of("--lr", "0.1", "--momentum", "-0.5"), p.get(3).values());
        assertEquals(List.of("--workers", "4", "--simulate", "--mode", "async", "--lr", "0.1", "--momentum", "-0.5"),
                p.get(3).args());
    }

    @Test
    void badGridsAreRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SweepGrid.parse(List.of("--lr", "0.1")))
                .getMessage().contains("nothing to sweep"));
        assertThrows(IllegalArgumentException.class, () -> SweepGrid.parse(List.of("--lr", "0.1,,0.2")));
        assertThrows(IllegalArgumentException.class, () -> SweepGrid.parse(List.of("--lr", "1,2", "--lr=3,4")));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SweepGrid.parse(List.of("--lr", "1,2", "--out", "x"))).getMessage().contains("--out"));
    }

    @Test
    void bestPicksTheLowestFiniteLossOfMatchingRuns() {
        List<SweepCommand.Result> rs = List.of(
                new SweepCommand.Result(0, Map.of("--lr", "1", "--b", "x"), true, 0.5, null, null, 1, ""),
                new SweepCommand.Result(1, Map.of("--lr", "1", "--b", "y"), true, 0.2, null, null, 1, ""),
                new SweepCommand.Result(2, Map.of("--lr", "2", "--b", "x"), false, Double.NaN, null, null, 1, ""));
        assertEquals(0.2, SweepPlots.best(rs, "--lr", "1", null, null));
        assertEquals(0.5, SweepPlots.best(rs, "--lr", "1", "--b", "x"));
        assertTrue(Double.isNaN(SweepPlots.best(rs, "--lr", "2", null, null)));
    }
}
