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
    /** The largest |β| tried: heavy ball is stable only for |β| &lt; 1, so the grid never widens past ±0.99. */
    static final double BETA_LIMIT = 0.99;
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
     * @param seedScores   per β, the score on each seed at its best η (paired across β and across runs on
     *                     the same seeds)
     */
    public record Run(int workers, double[] betas, double[] log10Loss, double[] se, double[] bestLrPerBeta,
                      int[] wins, double bestBeta, double bestLr, double bestScore, double bestScoreSe,
                      double tiedLow, double tiedHigh, boolean betaOnEdge, boolean lrOnEdge,
                      double implicitMomentum, double[][] seedScores) {

        /** The winner is β = ±{@link #BETA_LIMIT}: heavy ball's stability bound, not a grid edge. */
        boolean atLimit() {
            return betas.length > 1 && Math.abs(bestBeta) >= BETA_LIMIT - 1e-9;
        }

        /** The winner's score on each seed. */
        double[] bestSeedScores() {
            return seedScores[indexOf(betas, bestBeta)];
        }
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

    /** The score of one run of heavy ball (η, β) with M workers and this seed: lower is better. */
    interface Scorer {
        double score(int workers, double lr, double beta, long seed);
    }

    /** log₁₀ of a final loss, {@link #DIVERGED} for a diverged run (or a non-positive or non-finite loss). */
    static double log10Score(double loss) {
        return Double.isFinite(loss) && loss > 0 ? Math.min(DIVERGED, Math.log10(loss)) : DIVERGED;
    }

    /** The quadratic of this experiment with the given compute times. */
    static Scorer quadratic(TimeDistribution computeTime) {
        return (workers, lr, beta, seed) -> score(workers, lr, beta, seed, computeTime);
    }

    /** log₁₀ f(x_T) of one run of heavy ball (η, β) with M workers and this seed (capped at {@link #DIVERGED}). */
    static double score(int workers, double lr, double beta, long seed, TimeDistribution computeTime) {
        OptimizerConfig config = OptimizerConfig.builder("momentum").lr(lr).beta(beta).allowNegativeMomentum(true)
                .build();
        QuadraticModel model = QuadraticModel.geometric(DIM, 0.01, 1);
        AsyncRuns.Outcome o = AsyncRuns.run(config, StalenessCompensation.NONE, workers,
                r -> new GradientTask(model, DenseDataset.featureless(workers), r, workers, 1, seed, 0),
                UPDATES, seed, -1, computeTime);
        return log10Score(o.diverged() ? Double.POSITIVE_INFINITY : model.loss(o.weights(), null));
    }

    /**
     * The jointly tuned winner for one M. When the winner's η is the largest (smallest) of the grid, the
     * grid grows by doubling (halving) η; when the winner's β is the largest, by β = 0.95 and then 0.99, and
     * when it is the smallest, by β − 0.1 down to −0.9, then −0.95 and −0.99 ({@link #lowerBeta}), until the
     * winner is inside the grid or {@link #MAX_WIDEN} steps were taken; a winner still on an edge is flagged.
     * ±{@link #BETA_LIMIT} are not grid edges but heavy ball's stability bound |β| &lt; 1 (the iteration
     * v ← βv + g diverges for |β| ≥ 1 even with g = 0); a winner there is reported by {@link Run#atLimit}.
     * A grid of one β keeps it fixed (only η is tuned).
     */
    static Run tune(int workers, double[] betaGrid, double[] lrGrid, long[] seeds, TimeDistribution computeTime) {
        return tune(workers, betaGrid, lrGrid, seeds, quadratic(computeTime), MAX_WIDEN);
    }

    /** {@link #tune(int, double[], double[], long[], TimeDistribution)} for any scorer, at most maxWiden grid extensions. */
    static Run tune(int workers, double[] betaGrid, double[] lrGrid, long[] seeds, Scorer scorer, int maxWiden) {
        GridTuner.Grid<Integer> grid = new GridTuner.Grid<>(workers, betaGrid, lrGrid, LR_AXIS, BETA_AXIS, 0);
        GridTuner.tune(List.of(grid), seeds.length,
                (m, lr, beta, s) -> new double[] {scorer.score(m, lr, beta, seeds[s])}, GridTuner.Widening.SHARED_LRS,
                maxWiden);
        double[] betas = grid.knobs();
        double[] lrs = grid.rows.get(0).lrs;
        double[][][] s = grid.scores();
        int[] lr = GridBest.bestInner(s);
        GridBest g = GridBest.of(GridBest.at(s, lr));
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
                g.onEdge() && Math.abs(betas[w]) < BETA_LIMIT, lrs.length > 1 && (l == 0 || l == lrs.length - 1), 1 - 1.0 / workers,
                GridBest.at(s, lr));
    }

    /** η doubles past the top of its grid and halves past the bottom. */
    static final GridTuner.Axis LR_AXIS = (lrs, top) -> top ? lrs[lrs.length - 1] * 2 : lrs[0] / 2;
    /**
     * β grows to 0.95, then {@link #BETA_LIMIT}, and falls by {@link #lowerBeta} to −{@link #BETA_LIMIT}: nothing
     * past heavy ball's stability bound.
     */
    static final GridTuner.Axis BETA_AXIS = (betas, top) -> top
            ? (betas[betas.length - 1] < BETA_LIMIT ? (betas[betas.length - 1] < 0.95 ? 0.95 : BETA_LIMIT) : Double.NaN)
            : (betas[0] > -BETA_LIMIT ? lowerBeta(betas[0]) : Double.NaN);

    /** The next β below the grid's smallest: 0.1 lower down to −0.9, then −0.95, then −{@link #BETA_LIMIT}. */
    static double lowerBeta(double lowest) {
        if (lowest > -0.9 + 1e-9) {
            return Math.max(-0.9, Math.round((lowest - 0.1) * 1e9) / 1e9);
        }
        return lowest > -0.95 + 1e-9 ? -0.95 : -BETA_LIMIT;
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        long[] seeds = run.seeds(SEEDS, QUICK_SEEDS);
        double[] betas = run.quick() ? QUICK_BETAS : BETAS;
        int[] workers = run.quick() ? new int[] {1, 4, 16} : WORKERS;
        TimeDistribution computeTime = run.computeTime();
        Table table = newTable();
        List<Run> runs = new ArrayList<>();
        double[][] grid = new double[workers.length][];
        for (int k = 0; k < workers.length; k++) {
            Run r = tune(workers[k], betas, LRS, seeds, computeTime);
            runs.add(r);
            grid[k] = new double[betas.length];
            for (int b = 0; b < betas.length; b++) {
                grid[k][b] = r.log10Loss()[indexOf(r.betas(), betas[b])];
            }
            addRow(table, r, seeds.length);
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
        plotBestBeta(run, runs, seeds.length);
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
                        + "(η doubled or halved, β up to 0.99 and down to −0.99, heavy ball's stability bound |β| < 1). "
                        + "Score: log₁₀ of the final loss (" + DIVERGED
                        + " for a diverged run), mean ± standard error over " + seeds.length + " seeds; every "
                        + "cell runs on the same seeds. \"won\": the seeds on which the best β scored lowest; "
                        + "\"not sig. worse\": the β whose paired 95 % interval of the difference to the winner "
                        + "contains 0.",
                table,
                findings(runs),
                List.of("best-beta.png", "score-vs-beta.png", "scores.png"));
        return table;
    }

    /** best-beta.png (the winner and the β tied with it against M, beside 1 − 1/M) and score-vs-beta.png. */
    static void plotBestBeta(RunDirectory run, List<Run> runs, int seeds) throws IOException {
        double[] ms = new double[runs.size()];
        double[] best = new double[runs.size()];
        double[] lo = new double[runs.size()];
        double[] hi = new double[runs.size()];
        double[] implicit = new double[runs.size()];
        for (int k = 0; k < runs.size(); k++) {
            ms[k] = runs.get(k).workers();
            best[k] = runs.get(k).bestBeta();
            lo[k] = runs.get(k).tiedLow();
            hi[k] = runs.get(k).tiedHigh();
            implicit[k] = 1 - 1.0 / runs.get(k).workers();
        }
        Plots.lines(run.file("best-beta.png"), "Best explicit momentum vs asynchronous workers (" + seeds
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
                + seeds + " seeds)", "explicit momentum beta", "log10 final loss", curves, false);
    }

    /** The table's columns, one row per M ({@link #addRow}). */
    static Table newTable() {
        return new Table("workers M", "implicit 1-1/M", "best beta", "its lr", "log10 loss (mean ± se)",
                "won (seeds)", "beta not sig. worse", "beta=0: log10 loss", "note");
    }

    /** One M's row: the winner with its interval, how often it won, the β tied with it, and β = 0. */
    static void addRow(Table table, Run r, int seeds) {
        int w = indexOf(r.betas(), r.bestBeta());
        int zero = indexOf(r.betas(), 0);
        String note = (r.betaOnEdge() ? "beta on grid edge; " : "")
                + (r.atLimit() ? "beta at stability limit |beta| < 1; " : "") + (r.lrOnEdge() ? "lr on grid edge" : "");
        table.row(r.workers(), Table.fixed(1 - 1.0 / r.workers(), 3), r.bestBeta(), r.bestLr(),
                Table.fixed(r.bestScore(), 2) + " ± " + Table.num(r.bestScoreSe()),
                r.wins()[w] + " of " + seeds,
                r.tiedLow() == r.tiedHigh() ? Table.num(r.bestBeta()) : Table.num(r.tiedLow()) + " .. "
                        + Table.num(r.tiedHigh()),
                zero < 0 ? "n/a" : Table.fixed(r.log10Loss()[zero], 2) + " ± " + Table.num(r.se()[zero]),
                note.isEmpty() ? "" : note.replaceFirst("; $", ""));
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
        boolean limit = false;
        for (Run r : runs) {
            limit |= r.atLimit();
        }
        b.append(edges ? "Some winners sit on an edge of the grid (see \"note\"); a wider grid might move them."
                : "No winner sits on an edge of the η or β grid.");
        if (limit) {
            b.append(" Some winners sit at |β| = ").append(Table.num(BETA_LIMIT)).append(", heavy ball's stability "
                    + "bound (see \"note\"): the trend would go further if |β| ≥ 1 did not diverge.");
        }
        return b.toString();
    }

    static void writeScores(RunDirectory run, List<Run> runs) throws IOException {
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

    static int indexOf(double[] values, double v) {
        for (int i = 0; i < values.length; i++) {
            if (Math.abs(values[i] - v) < 1e-9) {
                return i;
            }
        }
        return -1;
    }
}
