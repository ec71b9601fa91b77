package dev.momentumps.cli.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;

/** PNG plots with XChart: loss curves, staleness histograms. */
public final class Plots {
    private Plots() {
    }

    /** One named line of a line chart. */
    public record Line(String name, double[] x, double[] y) {
    }

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** A line chart; {@code logY} for losses that fall over orders of magnitude. */
    public static void lines(Path png, String title, String xLabel, String yLabel, List<Line> lines, boolean logY)
            throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setYAxisLogarithmic(logY && spansDecades(lines));
        for (Line l : lines) {
            if (l.x().length > 0) {
                chart.addSeries(l.name(), l.x(), l.y());
            }
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** A bar chart of counts per integer bucket (staleness 0, 1, 2, ...). */
    public static void histogram(Path png, String title, String xLabel, long[] counts) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(560).title(title).xAxisTitle(xLabel)
                .yAxisTitle("gradients").build();
        chart.getStyler().setLegendVisible(false);
        int n = Math.max(1, counts.length);
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
            y[i] = i < counts.length ? counts[i] : 0;
        }
        chart.addSeries("count", x, y);
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** Log scale only helps (and XChart only labels it) when every value is positive and they span > 10×. */
    private static boolean spansDecades(List<Line> lines) {
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (Line l : lines) {
            for (double v : l.y()) {
                if (!(v > 0)) {
                    return false;
                }
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        return max > 10 * min;
    }
}
