package dev.momentumps.study.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;

/**
 * The study's PNG plots, in {@link ChartStyle}: lines with error bars, bars over categories, paths over level
 * sets with equal axis scales, heat maps.
 */
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

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /**
     * A line chart in {@link ChartStyle}: a marker on every measured point (small ones on dense curves),
     * error bars where a line has them; {@code logY} for values that fall over orders of magnitude (a log
     * axis only when they span more than a decade). Non-finite points are left out.
     */
    public static void lines(Path png, String title, String xLabel, String yLabel, List<Line> lines, boolean logY)
            throws IOException {
        lines(png, title, xLabel, yLabel, lines, logY, false);
    }

    /** {@link #lines} with a log x axis too (XChart's own decade labels), for times spanning decades. */
    public static void linesLogX(Path png, String title, String xLabel, String yLabel, List<Line> lines, boolean logY)
            throws IOException {
        lines(png, title, xLabel, yLabel, lines, logY, true);
    }

    private static void lines(Path png, String title, String xLabel, String yLabel, List<Line> lines, boolean logY,
                              boolean logX) throws IOException {
        XYChart chart = ChartStyle.xy(title, xLabel, yLabel);
        if (logX) {
            chart.getStyler().setXAxisLogarithmic(true);
            chart.getStyler().setxAxisTickLabelsFormattingFunction(null);
        }
        double[][] ys = new double[lines.size()][];
        int points = 0;
        for (int i = 0; i < lines.size(); i++) {
            ys[i] = lines.get(i).y();
            points = Math.max(points, lines.get(i).x().length);
        }
        boolean log = logY && ChartStyle.logYIfSpansDecades(chart, ys);
        ChartStyle.markersFor(chart, points);
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        int index = 0;
        for (Line l : lines) {
            Line f = finite(l);
            if (log && f.err() != null) {
                // a log axis cannot draw a bar down to 0 or below: such bars stop at a tenth of the value
                double[] e = f.err().clone();
                for (int i = 0; i < e.length; i++) {
                    e[i] = Math.min(e[i], 0.9 * f.y()[i]);
                }
                f = new Line(f.name(), f.x(), f.y(), e);
            }
            if (f.x().length > 0) {
                XYSeries s = f.err() != null ? chart.addSeries(f.name(), f.x(), f.y(), f.err())
                        : chart.addSeries(f.name(), f.x(), f.y());
                ChartStyle.look(s, index);
            }
            index++;
        }
        ChartStyle.save(chart, png);
    }

    /**
     * Measurements against a prediction: for each i, {@code predicted.get(i)} as a line without markers and
     * {@code measured.get(i)} as markers without a line, in the same colour, with one legend entry (the
     * measured series' name); the title should say "markers: measured, lines: predicted".
     */
    public static void measuredVsPredicted(Path png, String title, String xLabel, String yLabel, List<Line> measured,
                                           List<Line> predicted, boolean logY) throws IOException {
        XYChart chart = ChartStyle.xy(title, xLabel, yLabel);
        double[][] ys = new double[measured.size() + predicted.size()][];
        for (int i = 0; i < measured.size(); i++) {
            ys[i] = measured.get(i).y();
            ys[measured.size() + i] = predicted.get(i).y();
        }
        if (logY) {
            ChartStyle.logYIfSpansDecades(chart, ys);
        }
        chart.getStyler().setMarkerSize(9);
        for (int i = 0; i < measured.size(); i++) {
            Line p = finite(predicted.get(i));
            XYSeries line = chart.addSeries(p.name(), p.x(), p.y());
            ChartStyle.look(line, i);
            line.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
            line.setShowInLegend(false);
            Line m = finite(measured.get(i));
            XYSeries dots = chart.addSeries(m.name(), m.x(), m.y());
            ChartStyle.look(dots, i);
            dots.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        }
        ChartStyle.save(chart, png);
    }

    /**
     * One value per category (methods, modes), grouped by series, as bars with error bars: a categorical
     * axis, never a line over made-up numbers. A non-finite value (a diverged or failed run) draws no bar
     * and its category label gets {@code "(diverged)"}, so it is shown as such instead of vanishing.
     *
     * @param values values.get(s)[c]: series s, category c; errs likewise (or null for no error bars)
     */
    public static void bars(Path png, String title, String xLabel, String yLabel, List<String> categories,
                            List<String> series, List<double[]> values, List<double[]> errs) throws IOException {
        CategoryChart chart = ChartStyle.category(title, xLabel, yLabel);
        chart.getStyler().setLegendVisible(series.size() > 1);
        chart.getStyler().setErrorBarsColorSeriesColor(false);
        chart.getStyler().setXAxisLabelRotation(categories.size() > 4 ? 20 : 0);
        for (int s = 0; s < series.size(); s++) {
            List<Number> y = new ArrayList<>();
            List<Number> e = new ArrayList<>();
            for (int c = 0; c < categories.size(); c++) {
                double v = values.get(s)[c];
                y.add(Double.isFinite(v) ? v : 0);
                double err = errs == null ? 0 : errs.get(s)[c];
                e.add(Double.isFinite(v) && Double.isFinite(err) ? err : 0);
            }
            if (errs == null) {
                chart.addSeries(series.get(s), barLabels(categories, values), y);
            } else {
                chart.addSeries(series.get(s), barLabels(categories, values), y, e);
            }
        }
        ChartStyle.save(chart, png);
    }

    /** The category labels of {@link #bars}: {@code " (diverged)"} appended where any series is not finite. */
    static List<String> barLabels(List<String> categories, List<double[]> values) {
        List<String> labels = new ArrayList<>();
        for (int c = 0; c < categories.size(); c++) {
            boolean diverged = false;
            for (double[] v : values) {
                diverged |= !Double.isFinite(v[c]);
            }
            labels.add(categories.get(c) + (diverged ? " (diverged)" : ""));
        }
        return labels;
    }

    /**
     * Paths in the plane over a background of unlabeled grey curves (e.g. the level sets f = c of a
     * quadratic, drawn as closed polylines since XChart has no contour plot), in the fixed frame
     * {@code xRange} × {@code yRange} with equal scales on both axes (the chart's height follows the frame's
     * aspect), so that panels drawn with the same frame compare. Paths get a marker at each point.
     */
    public static void paths(Path png, String title, String xLabel, String yLabel, List<Line> background,
                             List<Line> paths, double[] xRange, double[] yRange) throws IOException {
        int plotWidth = ChartStyle.WIDTH - 110;
        int height = (int) Math.round(plotWidth * (yRange[1] - yRange[0]) / (xRange[1] - xRange[0])) + 140;
        XYChart chart = ChartStyle.xy(title, xLabel, yLabel);
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(13f));
        XYChart sized = new org.knowm.xchart.XYChartBuilder().width(ChartStyle.WIDTH).height(height).build();
        sized.setTitle(chart.getTitle());
        sized.setXAxisTitle(xLabel);
        sized.setYAxisTitle(yLabel);
        copyStyle(chart, sized);
        sized.getStyler().setXAxisMin(xRange[0]);
        sized.getStyler().setXAxisMax(xRange[1]);
        sized.getStyler().setYAxisMin(yRange[0]);
        sized.getStyler().setYAxisMax(yRange[1]);
        for (Line l : background) {
            XYSeries s = sized.addSeries(l.name(), l.x(), l.y());
            s.setShowInLegend(false);
            s.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
            s.setLineColor(java.awt.Color.LIGHT_GRAY);
            s.setLineWidth(1f);
        }
        for (int i = 0; i < paths.size(); i++) {
            XYSeries s = sized.addSeries(paths.get(i).name(), paths.get(i).x(), paths.get(i).y());
            ChartStyle.look(s, i);
            s.setLineWidth(2f);
        }
        sized.getStyler().setMarkerSize(5);
        ChartStyle.save(sized, png);
    }

    /** The house style of a chart built by {@link ChartStyle#xy}, onto one built at another size. */
    private static void copyStyle(XYChart from, XYChart to) {
        org.knowm.xchart.style.XYStyler a = from.getStyler();
        org.knowm.xchart.style.XYStyler b = to.getStyler();
        b.setChartBackgroundColor(a.getChartBackgroundColor());
        b.setPlotBackgroundColor(a.getPlotBackgroundColor());
        b.setPlotBorderVisible(a.isPlotBorderVisible());
        b.setPlotGridLinesColor(a.getPlotGridLinesColor());
        b.setChartTitleBoxVisible(false);
        b.setChartTitleFont(a.getChartTitleFont());
        b.setAxisTitleFont(a.getAxisTitleFont());
        b.setAxisTickLabelsFont(a.getAxisTickLabelsFont());
        b.setLegendFont(a.getLegendFont());
        b.setLegendPosition(a.getLegendPosition());
        b.setLegendLayout(a.getLegendLayout());
        b.setLegendBorderColor(a.getLegendBorderColor());
        b.setSeriesColors(a.getSeriesColors());
        b.setxAxisTickLabelsFormattingFunction(ChartStyle::number);
        b.setyAxisTickLabelsFormattingFunction(ChartStyle::number);
        b.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    }

    /**
     * A heat map with the value written in each cell: {@code z[row][column]} is the value at
     * ({@code columns[column]}, {@code rows[row]}), printed with the {@link java.text.DecimalFormat}
     * {@code decimalPattern}; values are rounded to that pattern first, so the colour bar's ends read as
     * the cells do. A NaN cell (failed or diverged) is painted grey, crossed and labelled {@value #DIVERGED},
     * so it reads as such instead of as an empty cell. With {@code logColour} (and every value positive) the
     * colours are spread evenly over log₁₀ of the values, so that one row of large values does not paint every
     * other cell the same colour; the cells and the colour bar still show the values themselves.
     *
     * @param colourLabel what the colour measures, shown in the legend (e.g. "log10 final loss")
     */
    public static void heatMap(Path png, String title, String xLabel, String yLabel, List<String> columns,
                               List<String> rows, double[][] z, String decimalPattern, boolean logColour,
                               String colourLabel) throws IOException {
        javax.imageio.ImageIO.write(heatMapImage(title, xLabel, yLabel, columns, rows, z, decimalPattern, logColour,
                colourLabel), "png", png.toFile());
    }

    /** The text in a heat map's NaN cells. */
    static final String DIVERGED = "diverged";
    static final java.awt.Color DIVERGED_FILL = new java.awt.Color(0xBBBBBB);
    private static final int HEAT_WIDTH = 960;
    private static final int HEAT_HEIGHT = 640;

    /** The picture {@link #heatMap} saves. */
    static java.awt.image.BufferedImage heatMapImage(String title, String xLabel, String yLabel, List<String> columns,
                                                     List<String> rows, double[][] z, String decimalPattern,
                                                     boolean logColour, String colourLabel) {
        java.text.DecimalFormat df = new java.text.DecimalFormat(decimalPattern,
                java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT));
        List<Number[]> cells = new ArrayList<>();
        List<int[]> nan = new ArrayList<>();
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
                } else {
                    nan.add(new int[] {r, c});
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
        boolean log = logColour && min > 0;
        String series = colourLabel + (log ? " (log colour scale)" : "");
        java.awt.image.BufferedImage image = paint(heatMapChart(title, xLabel, yLabel, decimalPattern, min, max, log,
                series, columns, rows, cells));
        java.awt.Graphics2D g = image.createGraphics();
        g.setRenderingHint(java.awt.RenderingHints.KEY_ANTIALIASING, java.awt.RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(java.awt.RenderingHints.KEY_TEXT_ANTIALIASING,
                java.awt.RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        for (int[] rc : nan) {
            // XChart does not expose its cells' geometry: the cell is where the picture changes when it is filled
            List<Number[]> with = new ArrayList<>(cells);
            with.add(new Number[] {rc[1], rc[0], min});
            java.awt.Rectangle cell = difference(image, paint(heatMapChart(title, xLabel, yLabel, decimalPattern, min,
                    max, log, series, columns, rows, with)));
            if (cell != null) {
                markDiverged(g, cell);
            }
        }
        g.dispose();
        return image;
    }

    private static HeatMapChart heatMapChart(String title, String xLabel, String yLabel, String decimalPattern,
                                             double min, double max, boolean log, String series, List<String> columns,
                                             List<String> rows, List<Number[]> cells) {
        HeatMapChart chart = new HeatMapChartBuilder().width(HEAT_WIDTH).height(HEAT_HEIGHT).title(title)
                .xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setHeatMapValueDecimalPattern(decimalPattern);
        chart.getStyler().setMin(min);
        chart.getStyler().setMax(max);
        chart.getStyler().setRangeColors(ramp(min, max, log));
        chart.addSeries(series, columns, rows, cells);
        return chart;
    }

    private static java.awt.image.BufferedImage paint(HeatMapChart chart) {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(chart.getWidth(), chart.getHeight(),
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = image.createGraphics();
        chart.paint(g, chart.getWidth(), chart.getHeight());
        g.dispose();
        return image;
    }

    /** The smallest rectangle holding every pixel where the two pictures differ, or null if none does. */
    static java.awt.Rectangle difference(java.awt.image.BufferedImage a, java.awt.image.BufferedImage b) {
        int x0 = Integer.MAX_VALUE;
        int y0 = Integer.MAX_VALUE;
        int x1 = -1;
        int y1 = -1;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                if (a.getRGB(x, y) != b.getRGB(x, y)) {
                    x0 = Math.min(x0, x);
                    y0 = Math.min(y0, y);
                    x1 = Math.max(x1, x);
                    y1 = Math.max(y1, y);
                }
            }
        }
        return x1 < 0 ? null : new java.awt.Rectangle(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    }

    /** A grey cell with a cross and {@value #DIVERGED} in it (the text only where it fits). */
    private static void markDiverged(java.awt.Graphics2D g, java.awt.Rectangle cell) {
        g.setColor(DIVERGED_FILL);
        g.fill(cell);
        g.setColor(new java.awt.Color(0x666666));
        g.setStroke(new java.awt.BasicStroke(1.5f));
        int inset = Math.max(2, Math.min(cell.width, cell.height) / 6);
        g.drawLine(cell.x + inset, cell.y + inset, cell.x + cell.width - inset, cell.y + cell.height - inset);
        g.drawLine(cell.x + inset, cell.y + cell.height - inset, cell.x + cell.width - inset, cell.y + inset);
        g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.BOLD, 13));
        java.awt.FontMetrics fm = g.getFontMetrics();
        int w = fm.stringWidth(DIVERGED);
        if (w + 4 <= cell.width && fm.getHeight() + 4 <= cell.height) {
            int tx = cell.x + (cell.width - w) / 2;
            int ty = cell.y + (cell.height + fm.getAscent() - fm.getDescent()) / 2;
            g.setColor(DIVERGED_FILL);
            g.fillRect(tx - 2, ty - fm.getAscent(), w + 4, fm.getHeight());
            g.setColor(java.awt.Color.BLACK);
            g.drawString(DIVERGED, tx, ty);
        }
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
        double[] e = l.err() == null ? null : new double[n];
        for (int i = 0, k = 0; i < l.x().length; i++) {
            if (Double.isFinite(l.x()[i]) && Double.isFinite(l.y()[i])) {
                x[k] = l.x()[i];
                if (e != null) {
                    e[k] = l.err()[i];
                }
                y[k++] = l.y()[i];
            }
        }
        return new Line(l.name(), x, y, e);
    }

}
