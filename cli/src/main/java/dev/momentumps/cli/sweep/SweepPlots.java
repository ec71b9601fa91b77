package dev.momentumps.cli.sweep;

import dev.momentumps.study.experiment.Interval;
import dev.momentumps.study.experiment.Table;
import dev.momentumps.study.report.Plots;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sweep's pictures and its replicate table. {@code --seed a,b,c} is not a hyper-parameter: its values are
 * replicates, and every other combination is summarised over them (mean ± standard error of the final
 * loss). For one swept flag: a line plot of that mean against the flag's values (bars for non-numeric
 * values), with 95 % error bars; for several, a heat map of the mean final loss per pair of swept flags (the
 * best, i.e. lowest, over the other flags' values). Failed and diverged runs are counted, never silently
 * dropped: a point or cell none of whose runs finished is left out and the title says how many runs failed.
 */
final class SweepPlots {
    static final String SEED = "--seed";

    private SweepPlots() {
    }

    /** The swept flags other than {@code --seed}. */
    static List<String> flags(SweepGrid grid) {
        List<String> f = new ArrayList<>(grid.swept().keySet());
        f.remove(SEED);
        return f;
    }

    /** The final losses of the finished runs with these flag values (any seed), and how many runs failed. */
    record Cell(double[] losses, int failed) {
        Interval interval() {
            return Interval.of(losses);
        }

        double mean() {
            return losses.length == 0 ? Double.NaN : Interval.mean(losses);
        }
    }

    static Cell cell(List<SweepCommand.Result> results, Map<String, String> values) {
        List<Double> l = new ArrayList<>();
        int failed = 0;
        for (SweepCommand.Result r : results) {
            boolean match = true;
            for (Map.Entry<String, String> e : values.entrySet()) {
                match &= e.getValue().equals(r.values().get(e.getKey()));
            }
            if (!match) {
                continue;
            }
            if (r.ok() && Double.isFinite(r.finalLoss())) {
                l.add(r.finalLoss());
            } else {
                failed++;
            }
        }
        return new Cell(l.stream().mapToDouble(Double::doubleValue).toArray(), failed);
    }

    /**
     * With {@code --seed} swept over several values: one row per combination of the other flags, the final
     * loss's mean ± standard error over the seeds, its 95 % interval and the failed runs; else null.
     */
    static Table replicates(SweepGrid grid, List<SweepCommand.Result> results) {
        List<String> seeds = grid.swept().get(SEED);
        if (seeds == null || seeds.size() < 2) {
            return null;
        }
        List<String> flags = flags(grid);
        List<String> cols = new ArrayList<>(flags);
        cols.addAll(List.of("seeds", "final loss (mean ± se)", "95% interval", "failed"));
        Table t = new Table(cols.toArray(String[]::new));
        Map<Map<String, String>, Boolean> seen = new LinkedHashMap<>();
        for (SweepCommand.Result r : results) {
            Map<String, String> key = new LinkedHashMap<>(r.values());
            key.remove(SEED);
            seen.putIfAbsent(key, true);
        }
        for (Map<String, String> key : seen.keySet()) {
            Cell c = cell(results, key);
            List<Object> row = new ArrayList<>(key.values());
            row.add(c.losses().length + c.failed());
            row.add(c.losses().length == 0 ? "failed" : c.interval().format());
            row.add(c.interval().formatRange());
            row.add(c.failed());
            t.row(row.toArray());
        }
        return t;
    }

    /** @return the PNG file names written into {@code dir} */
    static List<String> write(Path dir, SweepGrid grid, List<SweepCommand.Result> results) throws IOException {
        List<String> flags = flags(grid);
        List<String> written = new ArrayList<>();
        int seeds = grid.swept().getOrDefault(SEED, List.of("")).size();
        String over = seeds > 1 ? "mean over " + seeds + " seeds" : "final loss";
        int failed = 0;
        for (SweepCommand.Result r : results) {
            failed += r.ok() && Double.isFinite(r.finalLoss()) ? 0 : 1;
        }
        String failures = failed == 0 ? "" : "; " + failed + " failed or diverged run" + (failed == 1 ? "" : "s")
                + " not drawn";
        if (flags.size() == 1) {
            String f = flags.get(0);
            List<String> values = grid.swept().get(f);
            boolean numeric = values.stream().allMatch(SweepPlots::isNumber);
            double[] x = new double[values.size()];
            double[] y = new double[values.size()];
            double[] err = new double[values.size()];
            for (int i = 0; i < values.size(); i++) {
                Cell c = cell(results, Map.of(f, values.get(i)));
                x[i] = numeric ? Double.parseDouble(values.get(i)) : i;
                y[i] = c.mean();
                Interval in = c.interval();
                err[i] = Double.isFinite(in.se()) ? 1.96 * in.se() : 0;
            }
            String png = "loss-vs-" + name(f) + ".png";
            String title = "Final loss vs " + label(f) + " (" + over + (seeds > 1 ? ", 95% bars" : "") + failures + ")";
            if (numeric) {
                Plots.lines(dir.resolve(png), title, label(f), "final training loss",
                        List.of(new Plots.Line(over, x, y, seeds > 1 ? err : null)), true);
            } else {
                Plots.bars(dir.resolve(png), title, label(f), "final training loss", values, List.of(over),
                        List.of(y), seeds > 1 ? List.of(err) : null);
            }
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
                Plots.heatMap(dir.resolve(png), "Final loss, " + over + (flags.size() > 2 ? ", best over the other flags"
                                : "") + "; grey, crossed: every run failed or diverged" + failures, label(fx), label(fy), xs, ys,
                        z, pattern(z), true, "final loss");
                written.add(png);
            }
        }
        return written;
    }

    /**
     * The lowest mean (over seeds) final loss among combinations with flag1 = v1 (and flag2 = v2 when given);
     * NaN if every such run failed.
     */
    static double best(List<SweepCommand.Result> results, String flag1, String v1, String flag2, String v2) {
        double best = Double.NaN;
        Map<Map<String, String>, Boolean> seen = new LinkedHashMap<>();
        for (SweepCommand.Result r : results) {
            if (v1.equals(r.values().get(flag1)) && (flag2 == null || v2.equals(r.values().get(flag2)))) {
                Map<String, String> key = new LinkedHashMap<>(r.values());
                key.remove(SEED);
                seen.putIfAbsent(key, true);
            }
        }
        for (Map<String, String> key : seen.keySet()) {
            double m = cell(results, key).mean();
            if (Double.isFinite(m) && !(m >= best)) {
                best = m;
            }
        }
        return best;
    }

    /** A DecimalFormat pattern that prints these values readably: scientific when they are huge or tiny. */
    static String pattern(double[][] z) {
        double max = 0;
        double min = Double.POSITIVE_INFINITY;
        for (double[] row : z) {
            for (double v : row) {
                if (Double.isFinite(v) && v != 0) {
                    max = Math.max(max, Math.abs(v));
                    min = Math.min(min, Math.abs(v));
                }
            }
        }
        return max >= 1e4 || min < 1e-3 ? "0.##E0" : "0.####";
    }

    /** The flag as an axis label: {@code --lr} → {@code lr}. */
    static String label(String flag) {
        return flag.replaceFirst("^-+", "");
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
