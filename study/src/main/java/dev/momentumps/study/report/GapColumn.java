package dev.momentumps.study.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The gap column of a run's {@code metrics.csv} ({@link MetricsCsv}): every measured gradient's
 * ‖θ_apply − θ_computed‖₂ with its update and staleness, summarised for {@code summary.json}
 * ({@link RunSummary.Gap}) and drawn against updates ({@code gap.png}).
 */
public final class GapColumn {
    /** At most this many staleness buckets in the summary; the last holds every larger staleness. */
    static final int STALENESS_BUCKETS = 1024;
    /** At most this many points in gap.png: the gradients are averaged over as many equal spans. */
    static final int BINS = 200;

    private final double[] update;
    private final double[] staleness;
    private final double[] gap;

    private GapColumn(double[] update, double[] staleness, double[] gap) {
        this.update = update;
        this.staleness = staleness;
        this.gap = gap;
    }

    /** The measured gaps of {@code metrics} (none when it has no gap column or no value in it). */
    public static GapColumn read(Path metrics) throws IOException {
        List<double[]> rows = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(metrics)) {
            String head = in.readLine();
            List<String> header = head == null ? List.of() : List.of(head.split(","));
            int u = header.indexOf("update");
            int t = header.indexOf("staleness");
            int g = header.indexOf("gap");
            if (g >= 0) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    String[] f = line.split(",", -1);
                    if (f.length > g && !f[g].isEmpty() && !f[t].isEmpty()) {
                        rows.add(new double[] {Double.parseDouble(f[u]), Double.parseDouble(f[t]),
                                Double.parseDouble(f[g])});
                    }
                }
            }
        }
        double[] update = new double[rows.size()];
        double[] staleness = new double[rows.size()];
        double[] gap = new double[rows.size()];
        for (int i = 0; i < gap.length; i++) {
            update[i] = rows.get(i)[0];
            staleness[i] = rows.get(i)[1];
            gap[i] = rows.get(i)[2];
        }
        return new GapColumn(update, staleness, gap);
    }

    /** Gradients measured. */
    public int measured() {
        return gap.length;
    }

    /** The summary of summary.json; null when nothing was measured. */
    public RunSummary.Gap summary() {
        if (gap.length == 0) {
            return null;
        }
        double sum = 0;
        double max = 0;
        int maxTau = 0;
        for (int i = 0; i < gap.length; i++) {
            sum += gap[i];
            max = Math.max(max, gap[i]);
            maxTau = (int) Math.max(maxTau, Math.min(staleness[i], STALENESS_BUCKETS - 1));
        }
        double[] byTau = new double[maxTau + 1];
        long[] count = new long[maxTau + 1];
        for (int i = 0; i < gap.length; i++) {
            int k = (int) Math.min(staleness[i], maxTau);
            byTau[k] += gap[i];
            count[k]++;
        }
        Double[] meanByTau = new Double[maxTau + 1];
        for (int k = 0; k <= maxTau; k++) {
            meanByTau[k] = count[k] == 0 ? null : byTau[k] / count[k];
        }
        return new RunSummary.Gap(gap.length, sum / gap.length, max, meanByTau);
    }

    /** gap.png: the mean and the largest gap over each of at most {@link #BINS} equal spans of the gradients. */
    public void plot(Path png, String title) throws IOException {
        int bins = Math.min(BINS, gap.length);
        double[] x = new double[bins];
        double[] mean = new double[bins];
        double[] max = new double[bins];
        for (int b = 0; b < bins; b++) {
            int from = (int) ((long) b * gap.length / bins);
            int to = (int) ((long) (b + 1) * gap.length / bins);
            double s = 0;
            double m = 0;
            for (int i = from; i < to; i++) {
                s += gap[i];
                m = Math.max(m, gap[i]);
            }
            x[b] = update[to - 1];
            mean[b] = s / (to - from);
            max[b] = m;
        }
        boolean single = gap.length <= BINS;
        List<Plots.Line> curves = single ? List.of(new Plots.Line("gap of each gradient", x, mean))
                : List.of(new Plots.Line("mean gap (" + gap.length / bins + "+ gradients per point)", x, mean),
                        new Plots.Line("largest gap", x, max));
        ChartStyle.save(RunPlots.curves(title, "update (server version)", "gap ||w_apply - w_computed||", curves), png);
    }
}
