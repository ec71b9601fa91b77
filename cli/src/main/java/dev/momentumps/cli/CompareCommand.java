package dev.momentumps.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.momentumps.study.report.ChartStyle;
import dev.momentumps.study.report.Plots;
import dev.momentumps.study.report.RunPlots;
import dev.momentumps.study.report.RunSummary;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mps compare RUN_DIR...}: several runs' curves overlaid in one picture, their summaries side by side. */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Overlay the runs of several 'mps train' run directories: loss and staleness against updates "
                + "and against wall time, in one PNG of four panels; print their summaries side by side."})
final class CompareCommand implements Callable<Integer> {
    /** Staleness is averaged over this many equal spans of each run's updates. */
    static final int STALENESS_BINS = 100;

    @Parameters(paramLabel = "RUN_DIR", arity = "1..*", description = "Run directories (holding summary.json and "
            + "metrics.csv).")
    List<Path> runs;

    @Option(names = "--out", paramLabel = "PNG", defaultValue = "compare.png",
            description = "The picture to write. Default: ${DEFAULT-VALUE}.")
    Path out;

    /** One run as read from its directory. */
    record Run(String name, JsonNode summary, double[] evalUpdate, double[] evalSeconds, double[] trainLoss,
               double[] stalenessUpdate, double[] stalenessSeconds, double[] staleness) {
    }

    @Override
    public Integer call() throws IOException {
        List<Run> loaded = new ArrayList<>();
        for (Path dir : runs) {
            loaded.add(read(dir));
        }
        List<Plots.Line> lossByUpdate = new ArrayList<>();
        List<Plots.Line> lossByTime = new ArrayList<>();
        List<Plots.Line> stalenessByUpdate = new ArrayList<>();
        List<Plots.Line> stalenessByTime = new ArrayList<>();
        for (Run r : loaded) {
            lossByUpdate.add(new Plots.Line(r.name(), r.evalUpdate(), r.trainLoss()));
            lossByTime.add(new Plots.Line(r.name(), r.evalSeconds(), r.trainLoss()));
            stalenessByUpdate.add(new Plots.Line(r.name(), r.stalenessUpdate(), r.staleness()));
            stalenessByTime.add(new Plots.Line(r.name(), r.stalenessSeconds(), r.staleness()));
        }
        List<XYChart> charts = List.of(
                RunPlots.curves("Training loss (whole set) against updates", "update (server version)", "loss",
                        lossByUpdate),
                RunPlots.curves("Training loss (whole set) against wall time", "wall time (s)", "loss", lossByTime),
                RunPlots.curves("Mean staleness against updates", "update (server version)", "mean staleness τ "
                        + "(versions)", stalenessByUpdate),
                RunPlots.curves("Mean staleness against wall time", "wall time (s)", "mean staleness τ (versions)",
                        stalenessByTime));
        BitmapEncoder.saveBitmap(new ArrayList<>(charts), 2, 2, out.toString(), BitmapEncoder.BitmapFormat.PNG);
        print(loaded, System.out);
        System.out.println("wrote " + BitmapEncoder.addFileExtension(out.toString(), BitmapEncoder.BitmapFormat.PNG));
        return 0;
    }

    static Run read(Path dir) throws IOException {
        Path summary = dir.resolve("summary.json");
        Path metrics = dir.resolve("metrics.csv");
        if (!Files.isRegularFile(summary) || !Files.isRegularFile(metrics)) {
            throw new IllegalArgumentException("RUN_DIR " + dir + ": not a run directory (it needs summary.json and "
                    + "metrics.csv, as mps train writes them)");
        }
        JsonNode s = RunSummary.mapper().readTree(summary.toFile());
        List<double[]> rows = new ArrayList<>();
        List<double[]> evals = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(metrics)) {
            String[] header = in.readLine().split(",");
            int update = column(header, "update", metrics);
            int wall = column(header, "wall_seconds", metrics);
            int tau = column(header, "staleness", metrics);
            int train = column(header, "train_loss", metrics);
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] f = line.split(",", -1);
                if (f.length < header.length) {
                    continue;
                }
                if (!f[tau].isEmpty()) { // an evaluation alone (update 0) has no staleness
                    rows.add(new double[] {Double.parseDouble(f[update]), Double.parseDouble(f[wall]),
                        Double.parseDouble(f[tau])});
                }
                if (!f[train].isEmpty()) {
                    evals.add(new double[] {Double.parseDouble(f[update]), Double.parseDouble(f[wall]),
                        Double.parseDouble(f[train])});
                }
            }
        }
        // staleness: the mean over each of STALENESS_BINS equal spans of the rows
        int bins = Math.min(STALENESS_BINS, rows.size());
        double[] su = new double[bins];
        double[] ss = new double[bins];
        double[] st = new double[bins];
        for (int b = 0; b < bins; b++) {
            int from = (int) ((long) b * rows.size() / bins);
            int to = (int) ((long) (b + 1) * rows.size() / bins);
            double sum = 0;
            for (int i = from; i < to; i++) {
                sum += rows.get(i)[2];
            }
            double[] last = rows.get(to - 1);
            su[b] = last[0];
            ss[b] = last[1];
            st[b] = sum / (to - from);
        }
        double[] eu = new double[evals.size()];
        double[] es = new double[evals.size()];
        double[] tr = new double[evals.size()];
        for (int i = 0; i < eu.length; i++) {
            eu[i] = evals.get(i)[0];
            es[i] = evals.get(i)[1];
            tr[i] = evals.get(i)[2];
        }
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return new Run(name == null ? dir.toString() : name.toString(), s, eu, es, tr, su, ss, st);
    }

    private static int column(String[] header, String name, Path file) {
        int i = List.of(header).indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException(file + " has no column " + name);
        }
        return i;
    }

    /** The summaries as a table, one column per run. */
    static void print(List<Run> runs, PrintStream out) {
        String[][] rows = {
            {"optimizer", "optimizer"}, {"mode", "mode"}, {"workers", "workers"}, {"transport", "transport"},
            {"updates", "updates"}, {"gradients applied", "gradients_applied"},
            {"gradients dropped", "gradients_dropped"}, {"final loss", "final_loss"},
            {"test accuracy", "test_accuracy"}, {"diverged", "diverged"}, {"diverged at update", "diverged_at_update"},
            {"staleness mean", "staleness/mean"}, {"staleness max", "staleness/max"}, {"wall seconds", "wall_seconds"},
            {"updates/s", "updates_per_second"}};
        List<String[]> table = new ArrayList<>();
        String[] head = new String[runs.size() + 1];
        head[0] = "";
        for (int c = 0; c < runs.size(); c++) {
            head[c + 1] = runs.get(c).name();
        }
        table.add(head);
        for (String[] r : rows) {
            String[] line = new String[runs.size() + 1];
            line[0] = r[0];
            for (int c = 0; c < runs.size(); c++) {
                JsonNode v = runs.get(c).summary().at("/" + r[1]);
                line[c + 1] = v.isMissingNode() || v.isNull() ? "–" : v.isNumber() && !v.isIntegralNumber()
                        ? ChartStyle.number(v.asDouble()) : v.asText();
            }
            table.add(line);
        }
        int[] width = new int[head.length];
        for (String[] line : table) {
            for (int c = 0; c < line.length; c++) {
                width[c] = Math.max(width[c], Math.min(48, line[c].length()));
            }
        }
        for (String[] line : table) {
            StringBuilder b = new StringBuilder();
            for (int c = 0; c < line.length; c++) {
                String cell = line[c].length() > 48 ? line[c].substring(0, 47) + "…" : line[c];
                b.append(String.format(Locale.ROOT, c == 0 ? "%-" + width[c] + "s" : "  %-" + width[c] + "s", cell));
            }
            out.println(b.toString().stripTrailing());
        }
    }
}
