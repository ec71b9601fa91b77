package dev.momentumps.study.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

class RunPlotsTest {

    @Test
    void aLongStalenessTailGetsAtMostTwentyFiveTickLabels() {
        long[] h = new long[157];
        h[0] = 50;
        h[156] = 1;
        CategoryChart c = RunPlots.staleness("staleness", h);
        assertEquals(1, c.getSeriesMap().size());
        assertEquals(157, c.getSeriesMap().get("gradients").getXData().size());
        assertEquals(16, c.getStyler().getXAxisMaxLabelCount(), "three-digit labels: 80 / (3 + 2)");
        assertEquals("staleness τ (versions)", c.getXAxisTitle());
    }

    @Test
    void aHeavyTailIsDrawnInWiderBarsWithFewerLabels() {
        long[] h = new long[3881];
        long total = 0;
        for (int i = 0; i < h.length; i++) {
            h[i] = i % 7 == 0 ? 3 : 1;
            total += h[i];
        }
        CategoryChart c = RunPlots.staleness("staleness", h);
        var s = c.getSeriesMap().get("gradients");
        assertEquals(195, s.getXData().size(), "bars of 20 values");
        assertEquals("3880", s.getXData().stream().reduce((a, b) -> b).orElseThrow());
        long drawn = 0;
        for (Number y : s.getYData()) {
            drawn += y.longValue();
        }
        assertEquals(total, drawn, "every gradient is in a bar");
        assertEquals(13, c.getStyler().getXAxisMaxLabelCount(), "four-digit labels: 80 / (4 + 2)");
        assertTrue(c.getXAxisTitle().contains("each bar 20 values"), c.getXAxisTitle());
    }

    @Test
    void lossCurvesHaveMarkersAndALogAxisOnlyOverDecades() {
        double[] x = {0, 10, 20};
        XYChart wide = RunPlots.curves("t", "update", "loss",
                List.of(new Plots.Line("train", x, new double[] {1, 0.1, 0.01})));
        assertTrue(wide.getStyler().isYAxisLogarithmic());
        XYSeries s = wide.getSeriesMap().get("train");
        assertTrue(wide.getStyler().getMarkerSize() > 0);
        assertTrue(s.getMarker() != null, "every measured point has a marker");
        XYChart narrow = RunPlots.curves("t", "update", "loss",
                List.of(new Plots.Line("train", x, new double[] {0.7, 0.6, 0.5})));
        assertFalse(narrow.getStyler().isYAxisLogarithmic(), "one decade or less: XChart would label one tick");
    }

    @Test
    void aDivergedCurveStaysInTheLegend() {
        XYChart c = RunPlots.curves("t", "update", "loss", List.of(
                new Plots.Line("a", new double[] {0, 1}, new double[] {1, 2}),
                new Plots.Line("b", new double[] {0, 1}, new double[] {Double.NaN, Double.POSITIVE_INFINITY})));
        assertEquals(2, c.getSeriesMap().size());
        assertTrue(c.getSeriesMap().containsKey("b (no finite value)"), c.getSeriesMap().keySet().toString());
    }

    @Test
    void tickLabelsAreShortNumbers() {
        assertEquals("6.5e64", ChartStyle.number(6.516257689594506E64));
        assertEquals("20,000", ChartStyle.number(20000));
        assertEquals("0.001", ChartStyle.number(0.001));
        assertEquals("3.8", ChartStyle.number(3.7999954223632812 + 0.0000045776367188));
        assertEquals("0.25", ChartStyle.number(0.25));
        assertEquals("1.2e-5", ChartStyle.number(0.0000123));
        assertEquals("0", ChartStyle.number(0));
        assertEquals("12", ChartStyle.number(12));
    }

    @Test
    void aLongTitleIsShrunkToFitNotCutOff() {
        XYChart c = RunPlots.curves("Airfoil, linear regression, momentum, 4 workers (async, staleness 3): mean of 3 "
                + "seeds, 95% bars", "epoch", "loss", List.of(new Plots.Line("a", new double[] {0, 1}, new double[] {1, 2})));
        ChartStyle.fitTitle(c);
        java.awt.Font f = c.getStyler().getChartTitleFont();
        assertTrue(f.getSize2D() < 16, "shrunk from 16 pt: " + f.getSize2D());
        double w = f.getStringBounds(c.getTitle(), new java.awt.font.FontRenderContext(null, true, true)).getWidth();
        assertTrue(w <= c.getWidth() - ChartStyle.TITLE_MARGIN, w + " > " + (c.getWidth() - ChartStyle.TITLE_MARGIN));
        XYChart shortTitle = RunPlots.curves("Loss", "update", "loss",
                List.of(new Plots.Line("a", new double[] {0, 1}, new double[] {1, 2})));
        ChartStyle.fitTitle(shortTitle);
        assertEquals(16f, shortTitle.getStyler().getChartTitleFont().getSize2D());
    }
}
