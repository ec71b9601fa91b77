package dev.momentumps.study.experiment;

import dev.momentumps.study.report.Plots;
import dev.momentumps.server.compensation.StalenessAwareLearningRate;
import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.worker.data.DenseDataset;
import dev.momentumps.worker.model.LinearRegression;
import dev.momentumps.worker.task.GradientTask;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Zhang, Gupta, Lian, Liu, "Staleness-aware Async-SGD for Distributed Deep Learning" (IJCAI 2016): dividing
 * the learning rate by the gradient's staleness (η/τ) keeps asynchronous SGD convergent as the number of
 * workers grows, where a fixed η fails. Least-squares regression with condition number 50 (features with
 * variances geometric from 1 to 1/50), M ∈ {1, 4, 8, 16, 32} simulated workers with Exp(1) compute times,
 * plain SGD with the same η and the same number of updates, with and without the η/τ compensation.
 */
public final class StalenessLr implements Experiment {
    static final int[] WORKERS = {1, 4, 8, 16, 32};
    static final int FEATURES = 10;
    static final int ROWS = 4000;
    static final double CONDITION = 50;
    static final double NOISE = 0.1;
    static final double LR = 0.3;
    static final int BATCH = 16;
    static final long UPDATES = 3000;
    static final int SEEDS = 16;
    static final int QUICK_SEEDS = 3;

    /**
     * One M over the seeds: for a fixed η and for η/τ, how many runs diverged (or ended above ten times the
     * noise floor) and the median final loss.
     */
    public record Run(int workers, double meanStaleness, int seeds, int fixedLrFailed, double fixedLrMedian,
                      int stalenessLrFailed, double stalenessLrMedian, Interval stalenessLrLoss) {
    }

    @Override
    public String name() {
        return "staleness-lr";
    }

    @Override
    public String description() {
        return "Zhang et al. 2016: fixed lr vs lr/tau for async SGD on least squares (condition number 50), M grows";
    }

    /** x_j ~ N(0, 50^(−j/(d−1))), y = w*·x + b* + 0.1·ε: the Hessian E[xxᵀ] has eigenvalues 1 … 1/50. */
    static DenseDataset data(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] truth = new double[FEATURES + 1];
        for (int j = 0; j <= FEATURES; j++) {
            truth[j] = gaussian(rng);
        }
        float[] x = new float[ROWS * FEATURES];
        float[] y = new float[ROWS];
        for (int r = 0; r < ROWS; r++) {
            double label = truth[FEATURES];
            for (int j = 0; j < FEATURES; j++) {
                double v = Math.pow(CONDITION, -0.5 * j / (FEATURES - 1)) * gaussian(rng);
                x[r * FEATURES + j] = (float) v;
                label += truth[j] * v;
            }
            y[r] = (float) (label + NOISE * gaussian(rng));
        }
        return new DenseDataset(x, y, FEATURES);
    }

    private static double gaussian(SplittableRandom rng) {
        double u = 1.0 - rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
    }

    /** One seed's run: {final loss (+inf when it diverged), mean staleness}. */
    static double[] finalLoss(DenseDataset data, int workers, StalenessCompensation compensation, long seed) {
        LinearRegression model = new LinearRegression(FEATURES);
        AsyncRuns.Outcome o = AsyncRuns.run(InProcessServer.sgd(LR), compensation, workers,
                r -> new GradientTask(model, data, r, workers, BATCH, seed, 0), UPDATES, seed * 977L, -1);
        double loss = o.diverged() ? Double.POSITIVE_INFINITY : model.loss(o.weights(), data);
        return new double[] {Double.isFinite(loss) ? loss : Double.POSITIVE_INFINITY, o.meanStaleness()};
    }

    /** A run failed: it diverged or ended above ten times the noise floor. */
    static boolean failed(double loss) {
        return !(loss < 10 * NOISE * NOISE / 2);
    }

    /**
     * {@code k of n (95 % CI lo-hi %)}: Clopper and Pearson's exact binomial interval, from Beta quantiles
     * (Commons Math's {@code ClopperPearsonInterval} refuses k = 0 and k = n, where a bound is 0 or 1).
     */
    static String rate(int k, int n) {
        double lo = k == 0 ? 0 : new org.apache.commons.math3.distribution.BetaDistribution(null, k, n - k + 1)
                .inverseCumulativeProbability(0.025);
        double hi = k == n ? 1 : new org.apache.commons.math3.distribution.BetaDistribution(null, k + 1, n - k)
                .inverseCumulativeProbability(0.975);
        return k + " of " + n + " (" + Math.round(100 * lo) + "-" + Math.round(100 * hi) + " %)";
    }

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Says at which M the fixed η first failed on some seed, and how often (or that it never did). */
    static String breaks(List<Run> runs) {
        for (Run r : runs) {
            if (r.fixedLrFailed() > 0) {
                return "at M = " + r.workers() + " (mean staleness " + Table.num(r.meanStaleness()) + ") it fails on "
                        + r.fixedLrFailed() + " of " + r.seeds() + " seeds (median final loss "
                        + Table.num(r.fixedLrMedian()) + ").";
            }
        }
        return "it never failed up to M = " + WORKERS[WORKERS.length - 1] + ".";
    }

    /** The same for η/τ. */
    static String fails(List<Run> runs) {
        int failed = 0;
        int total = 0;
        for (Run r : runs) {
            failed += r.stalenessLrFailed();
            total += r.seeds();
        }
        return failed == 0 ? "no run failed at any M (" + total + " runs)" : failed + " of " + total + " runs failed";
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        DenseDataset data = data(run.seed());
        long[] seeds = run.seeds(SEEDS, QUICK_SEEDS);
        int n = seeds.length;
        Table table = new Table("workers M", "mean staleness", "fixed lr: failed", "fixed lr: median loss",
                "lr/tau: failed", "lr/tau: median loss", "lr/tau: mean ± se");
        List<Run> runs = new ArrayList<>();
        double[] ms = new double[WORKERS.length];
        double[] fixed = new double[WORKERS.length];
        double[] scaled = new double[WORKERS.length];
        double[] scaledErr = new double[WORKERS.length];
        List<double[]> flat = Replicates.map(WORKERS.length * 2 * n, k -> finalLoss(data, WORKERS[k / (2 * n)],
                k / n % 2 == 0 ? StalenessCompensation.NONE : new StalenessAwareLearningRate(), seeds[k % n]));
        for (int k = 0; k < WORKERS.length; k++) {
            int m = WORKERS[k];
            double[] a = new double[n];
            double[] b = new double[n];
            double stale = 0;
            int fa = 0;
            int fb = 0;
            for (int s = 0; s < n; s++) {
                a[s] = flat.get((2 * k) * n + s)[0];
                b[s] = flat.get((2 * k + 1) * n + s)[0];
                stale += flat.get((2 * k + 1) * n + s)[1] / n;
                fa += failed(a[s]) ? 1 : 0;
                fb += failed(b[s]) ? 1 : 0;
            }
            Interval bi = Interval.of(b);
            Run r = new Run(m, stale, n, fa, median(a), fb, median(b), bi);
            runs.add(r);
            table.row(m, stale, rate(fa, n), Table.num(r.fixedLrMedian()), rate(fb, n),
                    Table.num(r.stalenessLrMedian()), bi.format());
            ms[k] = m;
            fixed[k] = Double.isFinite(r.fixedLrMedian()) ? r.fixedLrMedian() : Double.NaN;
            scaled[k] = Double.isFinite(bi.mean()) ? bi.mean() : Double.NaN;
            scaledErr[k] = Double.isFinite(bi.se()) ? 1.96 * bi.se() : 0;
        }
        table.writeCsv(run.file("results.csv"));
        List<Plots.Line> lines = new ArrayList<>();
        lines.add(new Plots.Line("lr/tau: mean and 95% interval", ms, scaled, scaledErr));
        lines.add(new Plots.Line("fixed lr: median (diverged medians omitted)", ms, fixed));
        Plots.lines(run.file("final-loss.png"), "Least squares (condition 50): final loss after " + UPDATES
                + " async updates, " + n + " seeds", "workers M", "final loss", lines, true);
        run.summary(name(), Map.of("lr", LR, "updates", UPDATES, "noise_floor", NOISE * NOISE / 2, "runs", runs));
        run.report("Staleness-aware learning rate (Zhang et al. 2016)",
                "Linear least squares, " + ROWS + " rows, " + FEATURES + " features with variances geometric from 1 "
                        + "to 1/" + (int) CONDITION + " (Hessian condition number ≈ " + (int) CONDITION + "), label "
                        + "noise " + NOISE + " (loss floor ≈ " + NOISE * NOISE / 2 + "). Plain SGD η = " + LR
                        + ", minibatch " + BATCH + ", " + UPDATES + " updates in all, M simulated workers with "
                        + "Exp(1) compute times (each on its shard); \"lr/tau\" applies a gradient of staleness "
                        + "τ > 1 with η/τ (the server's `--staleness-lr`). " + n + " seeds (schedule and minibatch "
                        + "order; the data set is the same); \"failed\": the run diverged or ended above ten times "
                        + "the noise floor, with the exact (Clopper-Pearson) 95 % interval of the failure rate.",
                table,
                "A fixed η reaches the noise floor while M is small; " + breaks(runs) + " With η/τ "
                        + fails(runs) + ": a gradient τ updates old moves the weights by η/τ, below the "
                        + "delay-stability edge (stability-map: the safe ηλ shrinks like 1/τ). Note how much later "
                        + "the fixed η fails than a fixed delay τ = M − 1 would predict (at τ = 15 the edge is "
                        + "ηλ ≈ 0.1 < " + LR + "): with exponential compute times the staleness is geometric and, "
                        + "in expectation, asynchrony acts as momentum 1 − 1/M with step η/M (implicit-momentum), "
                        + "which is stable; what breaks it is the long tail of very stale gradients as M grows. "
                        + "Zhang et al. report the same trade: η/τ gives up a little speed with few workers for "
                        + "robustness with many; here 3000 updates are enough for both to reach the floor where "
                        + "the fixed η is stable. Whether the fixed η survives a given M is itself random: the "
                        + "\"failed\" column counts the seeds on which it did not.",
                List.of("final-loss.png"));
        return table;
    }
}
