package dev.momentumps.cli.sweep;

import dev.momentumps.study.report.Plots;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The sweep's pictures: for one swept flag a line plot of the final loss against its values; for several, a
 * heat map of the final loss per pair of swept flags (the best, i.e. lowest, over the other flags' values).
 */
final class SweepPlots {
    private SweepPlots() {
    }

    /** @return the PNG file names written into {@code dir} */
    static List<String> write(Path dir, SweepGrid grid, List<SweepCommand.Result> results) throws IOException {
        List<String> flags = new ArrayList<>(grid.swept().keySet());
        List<String> written = new ArrayList<>();
        if (flags.size() == 1) {
            String f = flags.get(0);
            List<String> values = grid.swept().get(f);
            double[] x = new double[values.size()];
            double[] y = new double[values.size()];
            boolean numeric = values.stream().allMatch(SweepPlots::isNumber);
            for (int i = 0; i < values.size(); i++) {
                x[i] = numeric ? Double.parseDouble(values.get(i)) : i;
                y[i] = best(results, f, values.get(i), null, null);
            }
            String png = "loss-vs-" + name(f) + ".png";
            Plots.lines(dir.resolve(png), "Final loss vs " + f + (numeric ? "" : " (index into " + values + ")"), f,
                    "final loss", List.of(new Plots.Line("final loss", x, y)), true);
            written.add(png);
            return written;
        }
        for (int a = 0; a < flags.size(); a++) {
            for (int b = a + 1; b < flags.size(); b++) {
                String fx = flags.get(b);
                String fy = flags.get(a);
                List<String> xs = grid.swept().get(fx);
                List<String> ys = grid.swept().get(fy);
                double[][] z = new double[ys.size()][xs.size()];
                for (int r = 0; r < ys.size(); r++) {
                    for (int c = 0; c < xs.size(); c++) {
                        z[r][c] = best(results, fy, ys.get(r), fx, xs.get(c));
                    }
                }
                String png = "loss-" + name(fy) + "-" + name(fx) + ".png";
                Plots.heatMap(dir.resolve(png), "Final loss" + (flags.size() > 2 ? " (best over the other flags)" : "")
                        + "; blank: failed or diverged", fx, fy, labels(fx, xs), labels(fy, ys), z, "0.####");
                written.add(png);
            }
        }
        return written;
    }

    /** The lowest finite final loss among runs with flag1 = v1 (and flag2 = v2 when given); NaN if none. */
    static double best(List<SweepCommand.Result> results, String flag1, String v1, String flag2, String v2) {
        double best = Double.NaN;
        for (SweepCommand.Result r : results) {
            if (r.ok() && v1.equals(r.values().get(flag1)) && (flag2 == null || v2.equals(r.values().get(flag2)))
                    && Double.isFinite(r.finalLoss()) && !(r.finalLoss() >= best)) {
                best = r.finalLoss();
            }
        }
        return best;
    }

    private static List<String> labels(String flag, List<String> values) {
        List<String> l = new ArrayList<>();
        for (String v : values) {
            l.add(flag.replaceFirst("^-+", "") + " " + v);
        }
        return l;
    }

    private static String name(String flag) {
        return flag.replaceFirst("^-+", "").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
