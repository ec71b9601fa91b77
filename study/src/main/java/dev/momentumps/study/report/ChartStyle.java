package dev.momentumps.study.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The house style of every PNG the project draws with XChart: white background, light grid, a colour-blind
 * safe palette (Okabe and Ito) with one marker shape per series, the legend outside the plot, tick labels
 * as short readable numbers ({@code 6.5e64}, {@code 0.001}, {@code 20,000}) instead of
 * {@code 6.516257689594506E64}, at most {@link #MAX_CATEGORY_LABELS} labels on a category axis, and a log
 * axis only when the values span more than a decade (below that XChart labels a single tick).
 *
 * <p>Start a chart with {@link #xy} or {@link #category}, add series, then {@link #save}.
 */
public final class ChartStyle {
    /** Pixels of a saved chart. */
    public static final int WIDTH = 900;
    public static final int HEIGHT = 560;
    /** At most this many tick labels on a category axis (a staleness histogram can have hundreds of buckets). */
    public static final int MAX_CATEGORY_LABELS = 25;

    /** Okabe and Ito's palette: distinguishable with the common colour-vision deficiencies and in grey. */
    public static final Color[] PALETTE = {new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73),
        new Color(0xCC79A7), new Color(0xE69F00), new Color(0x56B4E9), new Color(0xF0E442), new Color(0x000000)};
    private static final Marker[] MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND,
        SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.CROSS, SeriesMarkers.PLUS,
        SeriesMarkers.OVAL};

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private ChartStyle() {
    }

    /** A line chart in the house style: lines with a marker on every measured point. */
    public static XYChart xy(String title, String xAxisTitle, String yAxisTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xAxisTitle)
                .yAxisTitle(yAxisTitle).build();
        axes(chart.getStyler());
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setMarkerSize(6);
        return chart;
    }

    /** A bar chart over categories in the house style; the legend is hidden when there is one series. */
    public static CategoryChart category(String title, String xAxisTitle, String yAxisTitle) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle(xAxisTitle).yAxisTitle(yAxisTitle).build();
        axes(chart.getStyler());
        chart.getStyler().setxAxisTickLabelsFormattingFunction(null); // categories are labels, not numbers
        chart.getStyler().setXAxisMaxLabelCount(MAX_CATEGORY_LABELS);
        chart.getStyler().setOverlapped(false);
        return chart;
    }

    /**
     * A log y axis when every value is positive and they span more than a decade; a linear one otherwise.
     * @return whether the axis is logarithmic
     */
    public static boolean logYIfSpansDecades(XYChart chart, double[]... ys) {
        boolean log = spansDecades(ys);
        chart.getStyler().setYAxisLogarithmic(log);
        if (log) {
            // XChart 3.8.8 hands a custom formatter linear tick values on a log axis (labels 0, 5, 10, ... at
            // the wrong heights); its own log labels (the decades) are right
            chart.getStyler().setyAxisTickLabelsFormattingFunction(null);
        }
        return log;
    }

    /** Whether every value is positive and the largest is more than 10× the smallest. */
    public static boolean spansDecades(double[]... ys) {
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        int n = 0;
        for (double[] y : ys) {
            for (double v : y) {
                if (!Double.isFinite(v)) {
                    continue;
                }
                if (!(v > 0)) {
                    return false;
                }
                min = Math.min(min, v);
                max = Math.max(max, v);
                n++;
            }
        }
        return n > 1 && max > 10 * min;
    }

    /** A short, readable tick label: {@code 0}, {@code 0.0032}, {@code 12.5}, {@code 20,000}, {@code 6.5e64}. */
    public static String number(double v) {
        if (v == 0 || !Double.isFinite(v)) {
            return v == 0 ? "0" : Double.toString(v);
        }
        double a = Math.abs(v);
        if (a >= 1e6 || a < 1e-3) {
            String s = String.format(Locale.ROOT, "%.2g", v).replace("e+0", "e").replace("e+", "e")
                    .replace("e-0", "e-");
            return s.replaceFirst("\\.?0+e", "e");
        }
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        String s = String.format(Locale.ROOT, "%.4g", v);
        return s.contains(".") ? s.replaceFirst("0+$", "").replaceFirst("\\.$", "") : s;
    }

    /** Colour and marker of the {@code index}-th series, so a series looks the same in every chart of a figure. */
    public static void look(XYSeries series, int index) {
        series.setLineColor(PALETTE[index % PALETTE.length]);
        series.setMarkerColor(PALETTE[index % PALETTE.length]);
        series.setMarker(MARKERS[index % MARKERS.length]);
    }

    /** Smaller markers when a series has more than 60 points, where full-size ones would hide the line. */
    public static void markersFor(XYChart chart, int points) {
        chart.getStyler().setMarkerSize(points > 60 ? 3 : 6);
    }

    /** Writes the chart as a PNG. */
    public static void save(Chart<?, ?> chart, Path png) throws IOException {
        fitTitle(chart);
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** Room the title leaves: XChart centres it over the plot area, which starts after the y axis. */
    static final int TITLE_MARGIN = 140;

    /** Shrinks the title's font (down to 10 pt) until the title fits beside the axes instead of being cut off. */
    public static void fitTitle(Chart<?, ?> chart) {
        java.awt.font.FontRenderContext frc = new java.awt.font.FontRenderContext(null, true, true);
        Font f = chart.getStyler().getChartTitleFont();
        String title = chart.getTitle() == null ? "" : chart.getTitle();
        while (f.getSize2D() > 10 && f.getStringBounds(title, frc).getWidth() > chart.getWidth() - TITLE_MARGIN) {
            f = f.deriveFont(f.getSize2D() - 1);
        }
        chart.getStyler().setChartTitleFont(f);
    }

    private static void axes(AxesChartStyler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(false);
        s.setPlotGridLinesColor(new Color(0xDDDDDD));
        s.setPlotGridLinesStroke(new BasicStroke(1f));
        s.setChartTitleBoxVisible(false);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setLegendBorderColor(Color.WHITE);
        s.setSeriesColors(PALETTE);
        s.setSeriesMarkers(MARKERS);
        s.setLocale(Locale.ROOT);
        s.setxAxisTickLabelsFormattingFunction(ChartStyle::number);
        s.setyAxisTickLabelsFormattingFunction(ChartStyle::number);
    }
}
