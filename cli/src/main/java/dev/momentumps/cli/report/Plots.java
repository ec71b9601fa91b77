package dev.momentumps.cli.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;

/** PNG plots with XChart: loss curves, staleness histograms, trajectories over level sets, heat maps. */
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
            Line f = finite(l);
            if (f.x().length > 0) {
                chart.addSeries(f.name(), f.x(), f.y());
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

    /**
     * Paths in the plane over a background of unlabeled grey curves (e.g. the level sets f = c of a
     * quadratic, drawn as closed polylines since XChart has no contour plot). Paths get markers at each point.
     */
    public static void paths(Path png, String title, String xLabel, String yLabel, List<Line> background,
                             List<Line> paths) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(620).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        for (Line l : background) {
            XYSeries s = chart.addSeries(l.name(), l.x(), l.y());
            s.setShowInLegend(false);
            s.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
            s.setLineColor(java.awt.Color.LIGHT_GRAY);
            s.setLineWidth(1f);
        }
        java.awt.Color[] strong = {new java.awt.Color(0x1f77b4), new java.awt.Color(0xd62728),
            new java.awt.Color(0x2ca02c), new java.awt.Color(0x9467bd)};
        for (int i = 0; i < paths.size(); i++) {
            Line l = paths.get(i);
            XYSeries s = chart.addSeries(l.name(), l.x(), l.y());
            s.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.CIRCLE);
            s.setLineColor(strong[i % strong.length]);
            s.setMarkerColor(strong[i % strong.length]);
            s.setLineWidth(2f);
        }
        chart.getStyler().setMarkerSize(5);
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * A heat map with the value written in each cell: {@code z[row][column]} is the value at
     * ({@code columns[column]}, {@code rows[row]}).
     */
    public static void heatMap(Path png, String title, String xLabel, String yLabel, List<String> columns,
                               List<String> rows, double[][] z, String decimalPattern) throws IOException {
        HeatMapChart chart = new HeatMapChartBuilder().width(900).height(620).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setHeatMapValueDecimalPattern(decimalPattern);
        List<Number[]> cells = new ArrayList<>();
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < columns.size(); c++) {
                double v = z[r][c];
                if (Double.isFinite(v)) {
                    cells.add(new Number[] {c, r, v});
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (cells.isEmpty()) {
            min = 0;
            max = 1;
        }
        chart.getStyler().setMin(min);
        chart.getStyler().setMax(max > min ? max : min + 1);
        chart.addSeries(title, columns, rows, cells);
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** The line without its non-finite points (a diverged run's infinities cannot be drawn). */
    static Line finite(Line l) {
        int n = 0;
        for (int i = 0; i < l.x().length; i++) {
            if (Double.isFinite(l.x()[i]) && Double.isFinite(l.y()[i])) {
                n++;
            }
        }
        if (n == l.x().length) {
            return l;
        }
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0, k = 0; i < l.x().length; i++) {
            if (Double.isFinite(l.x()[i]) && Double.isFinite(l.y()[i])) {
                x[k] = l.x()[i];
                y[k++] = l.y()[i];
            }
        }
        return new Line(l.name(), x, y);
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
