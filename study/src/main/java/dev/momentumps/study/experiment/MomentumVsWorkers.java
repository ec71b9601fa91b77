package dev.momentumps.study.experiment;

import dev.momentumps.study.report.Plots;
import dev.momentumps.study.sim.TimeDistribution;
import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.worker.data.DenseDataset;
import dev.momentumps.worker.model.QuadraticModel;
import dev.momentumps.worker.task.GradientTask;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mitliagkas et al. 2016, §5: since asynchrony adds implicit momentum 1 − 1/M, the explicit momentum that
 * trains fastest should fall as the number of asynchronous workers M grows, to zero or below. For each M,
 * heavy ball (negative β allowed) runs a fixed number of updates on an ill-conditioned quadratic (κ = 100)
 * in the simulator, with η and β tuned jointly: for every β the η with the lowest mean score, then the β
 * with the lowest mean score at its η. The score is log₁₀ of the final loss; every cell runs on the same
 * seeds (paired), so each β is compared with the winner seed by seed.
 */
public final class MomentumVsWorkers implements Experiment {
    static final int[] WORKERS = {1, 2, 4, 8, 16};
    /** β from −0.8 to 0.9 in steps of 0.1 (the quick version: steps of 0.3). */
    static final double[] BETAS = range(-0.8, 0.9, 0.1);
    static final double[] QUICK_BETAS = {-0.6, -0.3, 0, 0.3, 0.6, 0.9};
    /** η from 0.05 to 3.2, doubling. */
    static final double[] LRS = {0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2};
    static final int DIM = 10;
    static final long UPDATES = 400;
    static final int SEEDS = 32;
    static final int QUICK_SEEDS = 4;
    /** At most this many grid extensions per M. */
    static final int MAX_WIDEN = 6;
    /** The score of a diverged run (log₁₀ loss): worse than any finite one here. */
    static final double DIVERGED = 30;

    /**
     * One M: the winner and its evidence.
     *
     * @param betas        the β grid
     * @param log10Loss    per β, the mean score at its best η
     * @param se           per β, the standard error of that mean
     * @param bestLrPerBeta per β, its best η
     * @param wins         per β, the seeds on which it scored lowest (each at its own best η)
     * @param tiedLow      the smallest β not significantly worse than the winner (paired 95 % interval)
     * @param tiedHigh     the largest such β
     * @param lrOnEdge     the winner's η is the first or last of the η grid
     */
    public record Run(int workers, double[] betas, double[] log10Loss, double[] se, double[] bestLrPerBeta,
                      int[] wins, double bestBeta, double bestLr, double bestScore, double bestScoreSe,
                      double tiedLow, double tiedHigh, boolean betaOnEdge, boolean lrOnEdge,
                      double implicitMomentum) {
    }

    @Override
    public String name() {
        return "momentum-vs-workers";
    }

    @Override
    public String description() {
        return "Mitliagkas et al. 2016: the best explicit momentum (eta and beta tuned jointly, negative allowed) "
                + "falls as async workers grow";
    }

    static double[] range(double from, double to, double step) {
        int n = (int) Math.round((to - from) / step) + 1;
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = Math.round((from + i * step) * 1e9) / 1e9;
        }
        return r;
    }

    /** log₁₀ f(x_T) of one run of heavy ball (η, β) with M workers and this seed (capped at {@link #DIVERGED}). */
    static double score(int workers, double lr, double beta, long seed, TimeDistribution computeTime) {
        OptimizerConfig config = OptimizerConfig.builder("momentum").lr(lr).beta(beta).allowNegativeMomentum(true)
                .build();
        QuadraticModel model = QuadraticModel.geometric(DIM, 0.01, 1);
        AsyncRuns.Outcome o = AsyncRuns.run(config, StalenessCompensation.NONE, workers,
                r -> new GradientTask(model, DenseDataset.featureless(workers), r, workers, 1, seed, 0),
                UPDATES, seed, -1, computeTime);
        double loss = o.diverged() ? Double.POSITIVE_INFINITY : model.loss(o.weights(), null);
        return Double.isFinite(loss) && loss > 0 ? Math.min(DIVERGED, Math.log10(loss)) : DIVERGED;
    }

    /** scores[β][η][seed] for one M, every run in parallel. */
    static double[][][] scores(int workers, double[] betas, double[] lrs, long[] seeds, TimeDistribution computeTime) {
        int nb = betas.length;
        int nl = lrs.length;
        int ns = seeds.length;
        double[] flat = Replicates.mapToDouble(nb * nl * ns, k -> score(workers, lrs[k / ns % nl],
                betas[k / (ns * nl)], seeds[k % ns], computeTime));
        double[][][] out = new double[nb][nl][ns];
        for (int k = 0; k < flat.length; k++) {
            out[k / (ns * nl)][k / ns % nl][k % ns] = flat[k];
        }
        return out;
    }

    /**
     * The jointly tuned winner for one M. When the winner's η is the largest (smallest) of the grid, the
     * grid grows by doubling (halving) η, and when the winner's β is the largest, by β = 0.95 and then 0.99,
     * until the winner is inside the grid or {@link #MAX_WIDEN} steps were taken; a winner still on an edge
     * is flagged.
     */
    static Run tune(int workers, double[] betaGrid, double[] lrGrid, long[] seeds, TimeDistribution computeTime) {
        double[] betas = betaGrid.clone();
        double[] lrs = lrGrid.clone();
        double[][][] s = scores(workers, betas, lrs, seeds, computeTime);
        int[] lr;
        GridBest g;
        for (int step = 0; ; step++) {
            lr = GridBest.bestInner(s);
            g = GridBest.of(GridBest.at(s, lr));
            int l = lr[g.best()];
            boolean top = l == lrs.length - 1;
            boolean bottom = l == 0;
            boolean betaTop = g.best() == betas.length - 1 && betas[betas.length - 1] < 0.99;
            if (step >= MAX_WIDEN || !(top || bottom || betaTop)) {
                break;
            }
            if (top || bottom) {
                double extra = top ? lrs[lrs.length - 1] * 2 : lrs[0] / 2;
                double[][][] col = scores(workers, betas, new double[] {extra}, seeds, computeTime);
                double[] nl = new double[lrs.length + 1];
                System.arraycopy(lrs, 0, nl, top ? 0 : 1, lrs.length);
                nl[top ? lrs.length : 0] = extra;
                for (int b = 0; b < betas.length; b++) {
                    double[][] row = new double[nl.length][];
                    System.arraycopy(s[b], 0, row, top ? 0 : 1, lrs.length);
                    row[top ? lrs.length : 0] = col[b][0];
                    s[b] = row;
                }
                lrs = nl;
            } else {
                double extra = betas[betas.length - 1] < 0.95 ? 0.95 : 0.99;
                double[][][] row = scores(workers, new double[] {extra}, lrs, seeds, computeTime);
                betas = Arrays.copyOf(betas, betas.length + 1);
                betas[betas.length - 1] = extra;
                s = Arrays.copyOf(s, s.length + 1);
                s[s.length - 1] = row[0];
            }
        }
        double[] mean = new double[betas.length];
        double[] se = new double[betas.length];
        double[] bestLr = new double[betas.length];
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int b = 0; b < betas.length; b++) {
            mean[b] = g.cells()[b].mean();
            se[b] = g.cells()[b].se();
            bestLr[b] = lrs[lr[b]];
            if (g.tied(b)) {
                lo = Math.min(lo, betas[b]);
                hi = Math.max(hi, betas[b]);
            }
        }
        int w = g.best();
        int l = lr[w];
        return new Run(workers, betas, mean, se, bestLr, g.wins(), betas[w], lrs[l], mean[w], se[w], lo, hi,
                g.onEdge() && betas[w] < 0.99, lrs.length > 1 && (l == 0 || l == lrs.length - 1), 1 - 1.0 / workers);
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        long[] seeds = run.seeds(SEEDS, QUICK_SEEDS);
        double[] betas = run.quick() ? QUICK_BETAS : BETAS;
        int[] workers = run.quick() ? new int[] {1, 4, 16} : WORKERS;
        TimeDistribution computeTime = run.computeTime();
        Table table = new Table("workers M", "implicit 1-1/M", "best beta", "its lr", "log10 loss (mean ± se)",
                "won (seeds)", "beta not sig. worse", "beta=0: log10 loss", "note");
        List<Run> runs = new ArrayList<>();
        double[][] grid = new double[workers.length][];
        for (int k = 0; k < workers.length; k++) {
            Run r = tune(workers[k], betas, LRS, seeds, computeTime);
            runs.add(r);
            grid[k] = Arrays.copyOf(r.log10Loss(), betas.length);
            int w = indexOf(r.betas(), r.bestBeta());
            int zero = indexOf(r.betas(), 0);
            String note = (r.betaOnEdge() ? "beta on grid edge; " : "") + (r.lrOnEdge() ? "lr on grid edge" : "");
            table.row(workers[k], Table.fixed(1 - 1.0 / workers[k], 3), r.bestBeta(), r.bestLr(),
                    Table.fixed(r.bestScore(), 2) + " ± " + Table.num(r.bestScoreSe()),
                    r.wins()[w] + " of " + seeds.length,
                    r.tiedLow() == r.tiedHigh() ? Table.num(r.bestBeta()) : Table.num(r.tiedLow()) + " .. "
                            + Table.num(r.tiedHigh()),
                    zero < 0 ? "n/a" : Table.fixed(r.log10Loss()[zero], 2) + " ± " + Table.num(r.se()[zero]),
                    note.isEmpty() ? "" : note.replaceFirst("; $", ""));
        }
        table.writeCsv(run.file("results.csv"));
        writeScores(run, runs);
        List<String> colLabels = new ArrayList<>();
        for (double b : betas) {
            colLabels.add(Table.num(b));
        }
        List<String> rowLabels = new ArrayList<>();
        for (int m : workers) {
            rowLabels.add(Integer.toString(m));
        }
        Plots.heatMap(run.file("scores.png"), "Mean log10 final loss at each beta's best lr, " + seeds.length
                        + " seeds (lower is better)", "explicit momentum beta", "asynchronous workers M", colLabels,
                rowLabels, grid, "0.0", false, "log10 final loss");
        double[] ms = new double[workers.length];
        double[] best = new double[workers.length];
        double[] lo = new double[workers.length];
        double[] hi = new double[workers.length];
        double[] implicit = new double[workers.length];
        for (int k = 0; k < workers.length; k++) {
            ms[k] = workers[k];
            best[k] = runs.get(k).bestBeta();
            lo[k] = runs.get(k).tiedLow();
            hi[k] = runs.get(k).tiedHigh();
            implicit[k] = 1 - 1.0 / workers[k];
        }
        Plots.lines(run.file("best-beta.png"), "Best explicit momentum vs asynchronous workers (" + seeds.length
                        + " paired seeds)", "asynchronous workers M", "momentum beta",
                List.of(new Plots.Line("best explicit beta", ms, best),
                        new Plots.Line("smallest beta not significantly worse", ms, lo),
                        new Plots.Line("largest beta not significantly worse", ms, hi),
                        new Plots.Line("implicit momentum 1-1/M", ms, implicit)), false);
        List<Plots.Line> curves = new ArrayList<>();
        for (Run r : runs) {
            curves.add(new Plots.Line("M = " + r.workers(), r.betas(), r.log10Loss(), r.se()));
        }
        Plots.lines(run.file("score-vs-beta.png"), "log10 final loss vs beta at its best lr (mean ± se over "
                + seeds.length + " seeds)", "explicit momentum beta", "log10 final loss", curves, false);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("lrs", LRS);
        summary.put("updates", UPDATES);
        summary.put("seeds", seeds.length);
        summary.put("runs", runs);
        run.summary(name(), summary);
        run.report("The best explicit momentum falls as asynchrony grows",
                "Heavy ball (v ← βv + g, x ← x − ηv, negative β allowed) in the real server core, M simulated "
                        + "asynchronous workers with " + computeTime + " compute times, " + UPDATES + " updates on "
                        + "f(x) = ½ Σ λᵢxᵢ² with " + DIM + " eigenvalues geometric in [0.01, 1] (κ = 100), from "
                        + "all ones. η and β are tuned jointly: η over " + Arrays.toString(LRS) + " for every β in "
                        + Arrays.toString(betas) + ", then β; the grid grows while the winner is on its edge "
                        + "(η doubled or halved, β up to 0.99). Score: log₁₀ of the final loss (" + DIVERGED
                        + " for a diverged run), mean ± standard error over " + seeds.length + " seeds; every "
                        + "cell runs on the same seeds. \"won\": the seeds on which the best β scored lowest; "
                        + "\"not sig. worse\": the β whose paired 95 % interval of the difference to the winner "
                        + "contains 0.",
                table,
                findings(runs),
                List.of("best-beta.png", "score-vs-beta.png", "scores.png"));
        return table;
    }

    /** What the table says, from its numbers. */
    static String findings(List<Run> runs) {
        StringBuilder b = new StringBuilder("The best explicit β by M: ");
        for (int k = 0; k < runs.size(); k++) {
            Run r = runs.get(k);
            b.append(k == 0 ? "" : ", ").append("M = ").append(r.workers()).append(": ").append(Table.num(r.bestBeta()))
                    .append(" (not significantly worse: ").append(Table.num(r.tiedLow())).append(" .. ")
                    .append(Table.num(r.tiedHigh())).append(')');
        }
        b.append(". ");
        Run first = runs.get(0);
        Run last = runs.get(runs.size() - 1);
        if (last.bestBeta() < first.bestBeta()) {
            b.append("The best β falls as M grows, the paper's claim: the schedule already supplies momentum "
                    + "≈ 1 − 1/M (implicit-momentum), so explicit momentum on top overshoots. ");
        } else {
            b.append("The best β does not fall from M = ").append(first.workers()).append(" to M = ")
                    .append(last.workers()).append(" here. ");
        }
        if (last.tiedHigh() < 0) {
            b.append("At M = ").append(last.workers()).append(" every β not significantly worse than the best is "
                    + "negative: negative momentum wins, as the paper found at high asynchrony. ");
        } else if (last.bestBeta() < 0) {
            b.append("At M = ").append(last.workers()).append(" the best β is negative, but β up to ")
                    .append(Table.num(last.tiedHigh())).append(" is within the noise of it. ");
        }
        boolean edges = false;
        for (Run r : runs) {
            edges |= r.lrOnEdge() || r.betaOnEdge();
        }
        b.append(edges ? "Some winners sit on an edge of the grid (see \"note\"); a wider grid might move them."
                : "No winner sits on an edge of the η or β grid.");
        return b.toString();
    }

    private static void writeScores(RunDirectory run, List<Run> runs) throws IOException {
        StringBuilder csv = new StringBuilder("workers,beta,best_lr,mean_log10_loss,se,wins\n");
        for (Run r : runs) {
            double[] betas = r.betas();
            for (int b = 0; b < betas.length; b++) {
                csv.append(r.workers()).append(',').append(betas[b]).append(',').append(r.bestLrPerBeta()[b])
                        .append(',').append(r.log10Loss()[b]).append(',').append(r.se()[b]).append(',')
                        .append(r.wins()[b]).append('\n');
            }
        }
        java.nio.file.Files.writeString(run.file("scores.csv"), csv);
    }

    private static int indexOf(double[] values, double v) {
        for (int i = 0; i < values.length; i++) {
            if (Math.abs(values[i] - v) < 1e-9) {
                return i;
            }
        }
        return -1;
    }
}
