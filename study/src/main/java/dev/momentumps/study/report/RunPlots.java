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

    /** A bar per staleness τ = 0, 1, ..., max; the title should carry the mean. */
    public static CategoryChart staleness(String title, long[] histogram) {
        CategoryChart chart = ChartStyle.category(title, "staleness τ (versions)", "gradients applied");
        chart.getStyler().setLegendVisible(false);
        int n = Math.max(1, histogram.length);
        List<String> x = new ArrayList<>(n);
        List<Number> y = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            x.add(Integer.toString(i));
            y.add(i < histogram.length ? histogram[i] : 0);
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
