package dev.momentumps.study.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GridBestTest {

    @Test
    void winnerByMeanWinsPerSeedAndTies() {
        double[][] s = {
            {3, 3, 3, 3},
            {1, 2, 1, 2},     // mean 1.5: the winner
            {1.5, 1.4, 1.6, 2.1}, // mean 1.65: wins seed 1, not significantly worse
            {9, 9, 9, 9.5},
        };
        GridBest g = GridBest.of(s);
        assertEquals(1, g.best());
        assertArrayEquals(new int[] {0, 3, 1, 0}, g.wins());
        assertEquals("won 3 of 4 seeds", g.winsText());
        assertFalse(g.onEdge());
        assertTrue(g.tied(2));
        assertFalse(g.tied(0));
        assertFalse(g.tied(3));
        assertEquals(1.5, g.cells()[1].mean(), 1e-12);
        assertEquals(0.0, g.vsBest()[1].mean(), 0);
    }

    @Test
    void edgeAndDivergedCells() {
        double[][] s = {{Double.POSITIVE_INFINITY, 1}, {5, 5}, {1, 1}};
        GridBest g = GridBest.of(s);
        assertEquals(2, g.best());
        assertTrue(g.onEdge());
        assertArrayEquals(new int[] {1, 0, 1}, g.wins()); // seed 1: a tie, to the lower index
        assertThrows(IllegalArgumentException.class, () -> GridBest.of(new double[][] {{1, 2}, {1}}));
    }

    @Test
    void jointTuningPicksTheInnerBestPerOuter() {
        double[][][] s = {
            {{5, 5}, {2, 2}, {3, 3}}, // outer 0: inner 1
            {{1, 1}, {4, 4}, {9, 9}}, // outer 1: inner 0
        };
        int[] inner = GridBest.bestInner(s);
        assertArrayEquals(new int[] {1, 0}, inner);
        GridBest g = GridBest.of(GridBest.at(s, inner));
        assertEquals(1, g.best());
    }
}
