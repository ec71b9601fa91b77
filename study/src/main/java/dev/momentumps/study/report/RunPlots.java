package dev.momentumps.study.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/**
 * The pictures of a run directory, in the {@link ChartStyle house style}: {@code loss.png} (training and
 * test loss against updates, a marker on every evaluation) and {@code staleness.png} (the staleness
 * histogram, at most {@link ChartStyle#MAX_CATEGORY_LABELS} tick labels however long its tail).
 */
public final class RunPlots {
    private RunPlots() {
    }

    /**
     * Lines against a shared x axis; the y axis is logarithmic when the values span more than a decade.
     * A curve with no finite point is named in the legend as "(no finite value)".
     */
    public static XYChart curves(String title, String xAxisTitle, String yAxisTitle, List<Plots.Line> curves) {
        XYChart chart = ChartStyle.xy(title, xAxisTitle, yAxisTitle);
        List<double[]> ys = new ArrayList<>();
        int points = 0;
        for (Plots.Line c : curves) {
            ys.add(Plots.finite(c).y());
            points = Math.max(points, c.x().length);
        }
        ChartStyle.markersFor(chart, points);
        ChartStyle.logYIfSpansDecades(chart, ys.toArray(new double[0][]));
        for (int i = 0; i < curves.size(); i++) {
            Plots.Line f = Plots.finite(curves.get(i));
            String name = f.x().length == 0 ? f.name() + " (no finite value)" : f.name();
            XYSeries s = chart.addSeries(name, f.x().length == 0 ? new double[] {0} : f.x(),
                    f.x().length == 0 ? new double[] {Double.NaN} : f.y());
            ChartStyle.look(s, i);
        }
        return chart;
    }

    /** At most this many bars: a longer histogram is drawn in bars of several consecutive staleness values. */
    public static final int MAX_STALENESS_BARS = 200;

    /**
     * A bar per staleness τ = 0, 1, ..., max (or per run of consecutive values when max exceeds
     * {@link #MAX_STALENESS_BARS}), with fewer tick labels as they get more digits; the title should carry the mean.
     */
    public static CategoryChart staleness(String title, long[] histogram) {
        int n = Math.max(1, histogram.length);
        int width = (n + MAX_STALENESS_BARS - 1) / MAX_STALENESS_BARS;
        CategoryChart chart = ChartStyle.category(title, width == 1 ? "staleness τ (versions)"
                : "staleness τ (versions; each bar " + width + " values, labelled by its first)", "gradients applied");
        chart.getStyler().setLegendVisible(false);
        int bars = (n + width - 1) / width;
        // a label of d digits takes about d + 2 characters' room: fewer labels as they widen
        int digits = Integer.toString((bars - 1) * width).length();
        chart.getStyler().setXAxisMaxLabelCount(Math.min(ChartStyle.MAX_CATEGORY_LABELS, 80 / (digits + 2)));
        List<String> x = new ArrayList<>(bars);
        List<Number> y = new ArrayList<>(bars);
        for (int b = 0; b < bars; b++) {
            long count = 0;
            for (int i = b * width; i < Math.min(histogram.length, (b + 1) * width); i++) {
                count += histogram[i];
            }
            x.add(Integer.toString(b * width));
            y.add(count);
        }
        chart.addSeries("gradients", x, y);
        return chart;
    }

    /** loss.png of a run: training loss (and test loss when there is one) against updates. */
    public static void loss(Path png, String title, List<Evaluation> evaluations) throws IOException {
        double[] x = new double[evaluations.size()];
        double[] train = new double[x.length];
        double[] test = new double[x.length];
        boolean hasTest = false;
        for (int i = 0; i < x.length; i++) {
            Evaluation e = evaluations.get(i);
            x[i] = e.version();
            train[i] = e.trainLoss();
            test[i] = e.testLoss();
            hasTest |= !Double.isNaN(e.testLoss());
        }
        List<Plots.Line> curves = new ArrayList<>(List.of(new Plots.Line("training loss (whole training set)", x, train)));
        if (hasTest) {
            curves.add(new Plots.Line("test loss", x, test));
        }
        ChartStyle.save(curves(title, "update (server version)", "loss", curves), png);
    }

    /** staleness.png of a run. */
    public static void staleness(Path png, String title, long[] histogram) throws IOException {
        ChartStyle.save(staleness(title, histogram), png);
    }
}
