package dev.momentumps.study.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;

class PlotsTest {

    @Test
    void divergedCategoriesAreLabelledNotDropped() {
        List<String> l = Plots.barLabels(List.of("ASGD", "DC-ASGD-a"), List.of(new double[] {0.3, Double.NaN},
                new double[] {0.2, 0.1}));
        assertEquals(List.of("ASGD", "DC-ASGD-a (diverged)"), l);
    }

    @Test
    void nonFinitePointsGoAndTheirErrorBarsWithThem() {
        Plots.Line f = Plots.finite(new Plots.Line("a", new double[] {1, 2, 3}, new double[] {1, Double.NaN, 3},
                new double[] {0.1, 0.2, 0.3}));
        assertArrayEquals(new double[] {1, 3}, f.x());
        assertArrayEquals(new double[] {0.1, 0.3}, f.err());
        assertThrows(IllegalArgumentException.class, () -> new Plots.Line("b", new double[2], new double[2],
                new double[3]));
    }

    @Test
    void logAxesUseXChartsOwnDecadeLabels() {
        XYChart log = ChartStyle.xy("t", "x", "y");
        assertTrue(ChartStyle.logYIfSpansDecades(log, new double[] {0.25, 30}));
        assertNull(log.getStyler().getyAxisTickLabelsFormattingFunction(), "a custom formatter mislabels a log axis");
        XYChart lin = ChartStyle.xy("t", "x", "y");
        assertFalse(ChartStyle.logYIfSpansDecades(lin, new double[] {0.25, 2}));
        assertNotNull(lin.getStyler().getyAxisTickLabelsFormattingFunction());
    }

    @Test
    void logColourRampSpendsItsColoursOnTheSmallValues() {
        Color[] linear = Plots.ramp(0.01, 4, false);
        Color[] log = Plots.ramp(0.01, 4, true);
        assertEquals(64, log.length);
        // a value 5 % up the linear range is still the bottom colour linearly, but a third of the way up on a log scale
        int k = 3; // 0.01 + 3/63 * 3.99 ≈ 0.2
        assertTrue(log[k].getRed() > linear[k].getRed() + 40, log[k] + " vs " + linear[k]);
        assertEquals(linear[0], log[0]);
        assertEquals(linear[63], log[63]);
    }
}
