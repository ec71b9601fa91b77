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

    /**
     * One named line of a line chart; {@code err} (or null) the half-length of each point's error bar, e.g.
     * a standard error over seeds or the half-width of a 95 % interval.
     */
    public record Line(String name, double[] x, double[] y, double[] err) {
        public Line(String name, double[] x, double[] y) {
            this(name, x, y, null);
        }

        public Line {
            if (x.length != y.length || (err != null && err.length != x.length)) {
                throw new IllegalArgumentException("line '" + name + "': " + x.length + " x, " + y.length + " y"
                        + (err == null ? "" : ", " + err.length + " error bars"));
            }
        }
    }

    /** Series with at most this many points are measured points and get markers; denser ones are curves. */
    static final int MARKER_POINTS = 40;

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
        boolean log = logY && spansDecades(lines);
        chart.getStyler().setYAxisLogarithmic(log);
        boolean sparse = true;
        for (Line l : lines) {
            sparse &= l.x().length <= MARKER_POINTS;
        }
        chart.getStyler().setMarkerSize(sparse ? 7 : 0);
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        houseStyle(chart, log);
        for (Line l : lines) {
            Line f = finite(l);
            if (f.x().length > 0) {
                if (f.err() != null) {
                    chart.addSeries(f.name(), f.x(), f.y(), f.err());
                } else {
                    chart.addSeries(f.name(), f.x(), f.y());
                }
            }
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * One value per category (methods, modes), grouped by series, as bars with error bars: a categorical
     * axis, never a line. A NaN value (a diverged or failed run) draws no bar; its category label gets
     * {@code "(diverged)"} appended, so it is shown as such instead of vanishing.
     *
     * @param values values.get(s)[c]: series s, category c; errs likewise (or null)
     */
    public static void bars(Path png, String title, String xLabel, String yLabel, List<String> categories,
                            List<String> series, List<double[]> values, List<double[]> errs, boolean logY)
            throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(560).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        chart.getStyler().setLegendVisible(series.size() > 1);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setErrorBarsColorSeriesColor(false);
        List<String> labels = new ArrayList<>();
        for (int c = 0; c < categories.size(); c++) {
            boolean diverged = false;
            for (double[] v : values) {
                diverged |= !Double.isFinite(v[c]);
            }
            labels.add(categories.get(c) + (diverged ? " (diverged)" : ""));
        }
        boolean log = logY;
        for (double[] v : values) {
            for (double x : v) {
                log &= !(x <= 0);
            }
        }
        chart.getStyler().setYAxisLogarithmic(log);
        chart.getStyler().setXAxisLabelRotation(categories.size() > 4 ? 20 : 0);
        houseStyle(chart, log);
        for (int s = 0; s < series.size(); s++) {
            List<Number> y = new ArrayList<>();
            List<Number> e = new ArrayList<>();
            for (int c = 0; c < categories.size(); c++) {
                double v = values.get(s)[c];
                y.add(Double.isFinite(v) ? v : null);
                double err = errs == null ? 0 : errs.get(s)[c];
                e.add(Double.isFinite(v) && Double.isFinite(err) ? err : 0);
            }
            chart.addSeries(series.get(s), labels, y, errs == null ? null : e);
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * The house style shared by every plot: white background, a light grid, readable tick labels (numbers
     * through {@link #tick}, so no {@code 6.516257689594506E64}), decade ticks on log axes.
     */
    static void houseStyle(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, boolean logY) {
        Styler st = chart.getStyler();
        st.setChartBackgroundColor(java.awt.Color.WHITE);
        st.setPlotBackgroundColor(java.awt.Color.WHITE);
        st.setLegendBorderColor(java.awt.Color.LIGHT_GRAY);
        if (st instanceof org.knowm.xchart.style.AxesChartStyler ax) {
            ax.setPlotGridLinesColor(new java.awt.Color(0xE0E0E0));
            ax.setYAxisDecimalPattern(null);
            ax.setyAxisTickLabelsFormattingFunction(Plots::tick);
            if (logY) {
                ax.setYAxisLogarithmicDecadeOnly(true);
            }
        }
    }

    /** A tick label: at most 4 significant digits, scientific only outside [1e-3, 1e5). */
    public static String tick(Double v) {
        if (v == null || v.isNaN()) {
            return "";
        }
        double a = Math.abs(v);
        if (a == 0) {
            return "0";
        }
        if (a < 1e-3 || a >= 1e5) {
            String m = String.format(java.util.Locale.ROOT, "%.2e", v);
            return m.replaceAll("\\.?0+e", "e").replace("e+0", "e").replace("e-0", "e-").replace("e+", "e");
        }
        return String.format(java.util.Locale.ROOT, "%.4g", v).replaceAll("(\\.\\d*?)0+$", "$1")
                .replaceAll("\\.$", "");
    }

    /**
     * A histogram of counts per integer bucket (staleness 0, 1, 2, ...): bars on a categorical axis for up to
     * {@value #CATEGORY_BUCKETS} buckets, else a filled step outline on a numeric axis (bucket i spans [i, i + 1)) whose ticks are
     * spaced by XChart (a max staleness of 156 would otherwise draw 157 overlapping labels).
     */
    public static void histogram(Path png, String title, String xLabel, long[] counts) throws IOException {
        int n = Math.max(1, counts.length);
        if (n <= CATEGORY_BUCKETS) {
            CategoryChart chart = new CategoryChartBuilder().width(900).height(560).title(title).xAxisTitle(xLabel)
                    .yAxisTitle("gradients").build();
            chart.getStyler().setLegendVisible(false);
            houseStyle(chart, false);
            List<String> x = new ArrayList<>();
            List<Number> y = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                x.add(Integer.toString(i));
                y.add(i < counts.length ? counts[i] : 0);
            }
            chart.addSeries("count", x, y);
            BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
            return;
        }
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle(xLabel)
                .yAxisTitle("gradients").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setMarkerSize(0);
        houseStyle(chart, false);
        chart.getStyler().setxAxisTickLabelsFormattingFunction(Plots::tick);
        double[] x = new double[2 * n];
        double[] y = new double[2 * n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = i + 1;
            y[2 * i] = counts[i];
            y[2 * i + 1] = counts[i];
        }
        XYSeries s = chart.addSeries("count", x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** Histograms with more buckets than this use a numeric axis. */
    static final int CATEGORY_BUCKETS = 30;

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
     * ({@code columns[column]}, {@code rows[row]}), printed with the {@link java.text.DecimalFormat}
     * {@code decimalPattern}; values are rounded to that pattern first, so the colour bar's ends read as
     * the cells do. A NaN cell (failed or diverged) is left white; say so in the title. With
     * {@code logColour} (and every value positive) the colours are spread evenly over log₁₀ of the values,
     * so that one row of large values does not paint every other cell the same colour; the cells and the
     * colour bar still show the values themselves.
     *
     * @param colourLabel what the colour measures, shown in the legend (e.g. "log10 final loss")
     */
    public static void heatMap(Path png, String title, String xLabel, String yLabel, List<String> columns,
                               List<String> rows, double[][] z, String decimalPattern, boolean logColour,
                               String colourLabel) throws IOException {
        HeatMapChart chart = new HeatMapChartBuilder().width(960).height(640).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setHeatMapValueDecimalPattern(decimalPattern);
        java.text.DecimalFormat df = new java.text.DecimalFormat(decimalPattern,
                java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT));
        List<Number[]> cells = new ArrayList<>();
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < columns.size(); c++) {
                double v = z[r][c];
                if (Double.isFinite(v)) {
                    double shown = Double.parseDouble(df.format(v));
                    cells.add(new Number[] {c, r, shown});
                    min = Math.min(min, shown);
                    max = Math.max(max, shown);
                }
            }
        }
        if (cells.isEmpty()) {
            min = 0;
            max = 1;
        }
        if (!(max > min)) {
            max = min + 1;
        }
        chart.getStyler().setMin(min);
        chart.getStyler().setMax(max);
        chart.getStyler().setRangeColors(ramp(min, max, logColour && min > 0));
        chart.addSeries(colourLabel + (logColour && min > 0 ? " (log colour scale)" : ""), columns, rows, cells);
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** The old heat map signature: linear colours, the title as the colour label. */
    public static void heatMap(Path png, String title, String xLabel, String yLabel, List<String> columns,
                               List<String> rows, double[][] z, String decimalPattern) throws IOException {
        heatMap(png, title, xLabel, yLabel, columns, rows, z, decimalPattern, false, title);
    }

    private static final java.awt.Color[] RAMP = {new java.awt.Color(0x313695), new java.awt.Color(0x4575b4),
        new java.awt.Color(0x74add1), new java.awt.Color(0xabd9e9), new java.awt.Color(0xfee090),
        new java.awt.Color(0xfdae61), new java.awt.Color(0xf46d43), new java.awt.Color(0xd73027)};

    /**
     * XChart spaces its range colours evenly over [min, max]; for a log scale the 64 colours here are
     * taken at the log-position of each evenly spaced value instead.
     */
    static java.awt.Color[] ramp(double min, double max, boolean log) {
        int n = 64;
        java.awt.Color[] out = new java.awt.Color[n];
        for (int k = 0; k < n; k++) {
            double v = min + (max - min) * k / (n - 1);
            double f = log ? Math.log(v / min) / Math.log(max / min) : (double) k / (n - 1);
            double pos = Math.max(0, Math.min(1, f)) * (RAMP.length - 1);
            int i = Math.min(RAMP.length - 2, (int) Math.floor(pos));
            double w = pos - i;
            java.awt.Color a = RAMP[i];
            java.awt.Color b = RAMP[i + 1];
            out[k] = new java.awt.Color((int) Math.round(a.getRed() + w * (b.getRed() - a.getRed())),
                    (int) Math.round(a.getGreen() + w * (b.getGreen() - a.getGreen())),
                    (int) Math.round(a.getBlue() + w * (b.getBlue() - a.getBlue())));
        }
        return out;
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
