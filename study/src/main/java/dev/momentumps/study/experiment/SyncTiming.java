package dev.momentumps.study.experiment;

import dev.momentumps.study.report.Plots;
import dev.momentumps.study.sim.SimulationConfig;
import dev.momentumps.study.sim.SimulationResult;
import dev.momentumps.study.sim.Simulator;
import dev.momentumps.study.sim.TimeDistribution;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.BackupWorkers;
import dev.momentumps.server.consistency.ConsistencyModel;
import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.worker.data.DenseDataset;
import dev.momentumps.worker.model.QuadraticModel;
import dev.momentumps.worker.task.GradientTask;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Time per update of synchronous SGD, synchronous SGD with backup workers (Chen, Pan, Monga, Bengio,
 * Jozefowicz, "Revisiting Distributed Synchronous SGD", 2016; Dutta et al., "Slow and stale gradients can
 * win the race", AISTATS 2018) and asynchronous SGD, with 8 workers whose compute times are Exp(1), in the
 * simulator against the closed forms:
 * <ul>
 *   <li>full sync waits for the slowest of 8: E[max] = H₈ = Σ_{i=1}^{8} 1/i ≈ 2.718;</li>
 *   <li>with b backups a round takes the first N = 8 − b gradients; if the late workers are cancelled and
 *       all restart each round (the papers' model), E[X_(N:N+b)] = Σ_{i=b+1}^{N+b} 1/i;</li>
 *   <li>in this server a late worker is not cancelled: it finishes its stale gradient (dropped), then pulls
 *       and starts over. By memorylessness each round starts with N fresh and b stale workers; the expected
 *       round time is then the absorption time of a small Markov chain ({@link #backupRoundTime});</li>
 *   <li>asynchronous: updates arrive at rate 8, so 1/8 per update.</li>
 * </ul>
 * Dutta et al.'s claim is about error against wall-clock time, not time per update: the second part trains
 * least squares (condition number 50, minibatch noise) with each mode for the same number of gradients per
 * worker and records the training loss against virtual time, averaged over seeds, with the compute-time
 * distribution of {@code --compute-time}.
 */
public final class SyncTiming implements Experiment {
    static final int WORKERS = 8;
    static final long STEPS_EACH = 10_000;
    /** Error against time: pushes per worker, SGD's η, seeds, and the time grid's points. */
    static final long TRAIN_STEPS_EACH = 600;
    /** Each mode's η is the best of these by the area under its log-loss curve. */
    static final double[] TRAIN_LRS = {0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2};
    static final int TRAIN_SEEDS = 16;
    static final int QUICK_TRAIN_SEEDS = 3;
    static final int GRID = 60;

    /** One mode: the measured virtual time per update and the closed forms. */
    public record Run(String mode, int backups, double measuredSecondsPerUpdate, double standardError,
                      double predictedCancelling,
                      double predictedThisServer, long updates) {
    }

    @Override
    public String name() {
        return "sync-timing";
    }

    @Override
    public String description() {
        return "Chen et al. 2016 / Dutta et al. 2018: time per step of sync, sync+backups and async, vs closed forms";
    }

    /** H_n − H_b = Σ_{i=b+1}^{n} 1/i: the expected (n−b)-th order statistic of n Exp(1) draws. */
    static double orderStatistic(int n, int b) {
        double s = 0;
        for (int i = b + 1; i <= n; i++) {
            s += 1.0 / i;
        }
        return s;
    }

    /**
     * Expected round time with N = n − b needed and late workers not cancelled: from state (k done, f fresh,
     * s stale), a fresh worker finishes at rate f (k+1), a stale one at rate s (it becomes fresh);
     * E(k, f, s) = (1 + f·E(k+1, f−1, s) + s·E(k, f+1, s−1)) / (f + s), E(N, ·, ·) = 0, from (0, N, b).
     */
    static double backupRoundTime(int n, int b) {
        return expected(0, n - b, b, n - b);
    }

    private static double expected(int k, int f, int s, int need) {
        if (k == need) {
            return 0;
        }
        double e = 1;
        if (f > 0) {
            e += f * expected(k + 1, f - 1, s, need);
        }
        if (s > 0) {
            e += s * expected(k, f + 1, s - 1, need);
        }
        return e / (f + s);
    }

    /**
     * Virtual seconds per update over the first half of the run (every worker still alive).
     *
     * @param out receives {the number of updates, the standard error of the mean time per update}
     */
    static double secondsPerUpdate(ConsistencyModel mode, long seed, double[] out) {
        List<GradientTask> sources = new ArrayList<>();
        for (int r = 0; r < WORKERS; r++) {
            sources.add(new GradientTask(new QuadraticModel(new double[] {1.0}), DenseDataset.featureless(WORKERS), r,
                    WORKERS, 1, seed, 0));
        }
        SimulationConfig config = SimulationConfig.defaults().withComputeTime(new TimeDistribution.Exponential(1))
                .withSeed(seed);
        try (ParameterServerCore core = InProcessServer.core(InProcessServer.sgd(0.01), mode)) {
            SimulationResult r = new Simulator(core, sources, Collections.nCopies(WORKERS, STEPS_EACH), config).run();
            int half = (int) (r.version() / 2);
            double[] times = r.versionTimes();
            double mean = times[half] / half;
            double ss = 0;
            for (int v = 1; v <= half; v++) {
                double d = times[v] - times[v - 1] - mean;
                ss += d * d;
            }
            out[0] = r.version();
            out[1] = Math.sqrt(ss / (half - 1) / half);
            return mean;
        }
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        Table table = new Table("mode", "measured s/update", "std. error", "closed form (cancel late)", "closed form (this server)",
                "updates");
        List<Run> runs = new ArrayList<>();
        double hn = orderStatistic(WORKERS, 0);
        Object[][] modes = {{"sync", 0, new Synchronous()}, {"sync + 1 backup", 1, new BackupWorkers(1)},
            {"sync + 2 backups", 2, new BackupWorkers(2)}, {"async (per update)", -1, new Asynchronous()}};
        double[] x = new double[modes.length];
        double[] measured = new double[modes.length];
        double[] cancelling = new double[modes.length];
        for (int i = 0; i < modes.length; i++) {
            int b = (Integer) modes[i][1];
            double[] out = new double[2];
            double m = secondsPerUpdate((ConsistencyModel) modes[i][2], run.seed(), out);
            double pc = b < 0 ? 1.0 / WORKERS : orderStatistic(WORKERS, b);
            double ps = b < 0 ? 1.0 / WORKERS : backupRoundTime(WORKERS, b);
            runs.add(new Run((String) modes[i][0], Math.max(b, 0), m, out[1], pc, ps, (long) out[0]));
            table.row(modes[i][0], Table.fixed(m, 4), Table.fixed(out[1], 4), Table.fixed(pc, 4), Table.fixed(ps, 4),
                    (long) out[0]);
            x[i] = i;
            measured[i] = m;
            cancelling[i] = pc;
        }
        table.writeCsv(run.file("timing.csv"));
        List<String> modeNames = new ArrayList<>();
        double[] measuredErr = new double[modes.length];
        double[] thisServer = new double[modes.length];
        for (int i = 0; i < modes.length; i++) {
            modeNames.add((String) modes[i][0]);
            measuredErr[i] = 1.96 * runs.get(i).standardError();
            thisServer[i] = runs.get(i).predictedThisServer();
        }
        Plots.bars(run.file("timing.png"), "Virtual time per update, 8 workers, Exp(1) compute times", "mode",
                "seconds per update", modeNames, List.of("measured (95% bars)", "closed form, this server",
                        "closed form, late workers cancelled"), List.of(measured, thisServer, cancelling),
                List.of(measuredErr, new double[modes.length], new double[modes.length]));
        List<String> plots = new ArrayList<>(List.of("timing.png"));
        Table race = errorAgainstTime(run, plots);
        run.summary(name(), Map.of("workers", WORKERS, "h_8", hn, "runs", runs, "race", race.rows()));
        run.report("Synchronous, backup-worker and asynchronous time per update",
                WORKERS + " simulated workers, compute times Exp(1), no network delay, " + STEPS_EACH + " pushes "
                        + "each, through the real core with the consistency models `sync`, `backup` (b = 1, 2) and "
                        + "`async`. Measured: virtual time at half the final version divided by that version "
                        + "(all workers still alive); the standard error is that of the mean of the per-update times.",
                table,
                "Every measured value is within about two standard errors of its closed form for this "
                        + "server. Full sync matches H₈ ≈ 2.718: each round waits for the slowest of 8. Asynchronous updates "
                        + "arrive every 1/8 on average, about 22× as often as synchronous rounds (each of which "
                        + "averages 8 gradients, so the gradient throughput differs by H₈ ≈ 2.7×). With backups "
                        + "the measured round time sits above the papers' order-statistic formula "
                        + "Σ_{i=b+1}^{8} 1/i because this server does not cancel late workers: a late worker first "
                        + "finishes its stale gradient (which is dropped) and only then starts on the current "
                        + "weights. The Markov-chain value for that protocol (last column) is what the simulator "
                        + "reproduces; the papers' value is the bound a cancelling implementation would reach.\n\n"
                        + "## Error against virtual time\n\n" + race.markdown() + "\n" + raceFindings(race),
                plots);
        return table;
    }

    /** The modes of the error-against-time race, by name. */
    static ConsistencyModel mode(String name) {
        return switch (name) {
            case "sync" -> new Synchronous();
            case "sync + 1 backup" -> new BackupWorkers(1);
            case "sync + 2 backups" -> new BackupWorkers(2);
            default -> new Asynchronous();
        };
    }

    static final String[] RACE = {"sync", "sync + 1 backup", "sync + 2 backups", "async"};

    /**
     * One training run: the training loss (whole set) at every version, against the version's virtual time.
     * @return {times, losses}
     */
    static double[][] race(String modeName, double lr, long seed, TimeDistribution computeTime,
                           dev.momentumps.worker.data.DenseDataset data) {
        dev.momentumps.worker.model.LinearRegression model =
                new dev.momentumps.worker.model.LinearRegression(StalenessLr.FEATURES);
        List<GradientTask> sources = new ArrayList<>();
        for (int r = 0; r < WORKERS; r++) {
            sources.add(new GradientTask(model, data, r, WORKERS, StalenessLr.BATCH, seed, 0));
        }
        SimulationConfig config = SimulationConfig.defaults().withComputeTime(computeTime).withSeed(seed * 31L);
        List<double[]> points = new ArrayList<>();
        try (ParameterServerCore core = InProcessServer.core(InProcessServer.sgd(lr), mode(modeName))) {
            new Simulator(core, sources, Collections.nCopies(WORKERS, TRAIN_STEPS_EACH), config)
                    .onVersion((v, w, t) -> {
                        points.add(new double[] {t, model.loss(w, data)});
                    }).run();
        } catch (dev.momentumps.wire.RequestException e) {
            points.add(new double[] {points.isEmpty() ? 0 : points.get(points.size() - 1)[0],
                Double.POSITIVE_INFINITY});
        }
        double[][] out = new double[2][points.size()];
        for (int i = 0; i < points.size(); i++) {
            out[0][i] = points.get(i)[0];
            out[1][i] = points.get(i)[1];
        }
        return out;
    }

    /** The loss at time t: the last recorded at or before t (the run's last loss after it ended). */
    static double at(double[][] curve, double t) {
        double loss = curve[1].length == 0 ? Double.NaN : curve[1][0];
        for (int i = 0; i < curve[0].length && curve[0][i] <= t; i++) {
            loss = curve[1][i];
        }
        return loss;
    }

    /** Loss against virtual time for each mode over seeds: a plot and a table of the loss at a few times. */
    Table errorAgainstTime(RunDirectory run, List<String> plots) throws IOException {
        long[] seeds = run.seeds(TRAIN_SEEDS, QUICK_TRAIN_SEEDS);
        int n = seeds.length;
        TimeDistribution computeTime = run.computeTime();
        dev.momentumps.worker.data.DenseDataset data = StalenessLr.data(run.seed());
        int nl = TRAIN_LRS.length;
        List<double[][]> all = Replicates.map(RACE.length * nl * n, k -> race(RACE[k / (nl * n)],
                TRAIN_LRS[k / n % nl], seeds[k % n], computeTime, data));
        // the common time axis: up to the earliest time at which some run that did not diverge finished
        double horizon = Double.POSITIVE_INFINITY;
        for (double[][] c : all) {
            // a diverged run stops early: it does not shorten the common axis
            if (c[0].length > 0 && Double.isFinite(c[1][c[1].length - 1])) {
                horizon = Math.min(horizon, c[0][c[0].length - 1]);
            }
        }
        double[] grid = new double[GRID];
        for (int i = 0; i < GRID; i++) {
            grid[i] = horizon * Math.pow(1000, (double) (i + 1 - GRID) / (GRID - 1)); // log-spaced, 1/1000 to 1
        }
        double[] checkpoints = {horizon / 100, horizon / 10, horizon};
        List<String> cols = new ArrayList<>(List.of("mode", "its lr"));
        for (double t : checkpoints) {
            cols.add("loss at t=" + Table.num(t));
        }
        Table table = new Table(cols.toArray(String[]::new));
        List<Plots.Line> lines = new ArrayList<>();
        for (int m = 0; m < RACE.length; m++) {
            // the η whose mean log-loss over the time grid is lowest
            int best = 0;
            double bestArea = Double.POSITIVE_INFINITY;
            for (int l = 0; l < nl; l++) {
                double area = 0;
                for (double t : grid) {
                    for (int s = 0; s < n; s++) {
                        double v = at(all.get((m * nl + l) * n + s), t);
                        area += Double.isFinite(v) && v > 0 ? Math.log10(v) : 30;
                    }
                }
                if (area < bestArea) {
                    bestArea = area;
                    best = l;
                }
            }
            int base = (m * nl + best) * n;
            double[] y = new double[GRID];
            double[] e = new double[GRID];
            for (int i = 0; i < GRID; i++) {
                double[] v = new double[n];
                for (int s = 0; s < n; s++) {
                    v[s] = at(all.get(base + s), grid[i]);
                }
                Interval in = Interval.of(v);
                y[i] = in.mean();
                e[i] = Double.isFinite(in.se()) ? 1.96 * in.se() : 0;
            }
            lines.add(new Plots.Line(RACE[m] + ", lr " + Table.num(TRAIN_LRS[best]), grid, y, e));
            List<Object> row = new ArrayList<>(List.of(RACE[m], TRAIN_LRS[best]
                    + (best == 0 || best == nl - 1 ? " (grid edge)" : "")));
            for (double t : checkpoints) {
                double[] v = new double[n];
                for (int s = 0; s < n; s++) {
                    v[s] = at(all.get(base + s), t);
                }
                row.add(Interval.of(v).format());
            }
            table.row(row.toArray());
        }
        table.writeCsv(run.file("error-vs-time.csv"));
        Plots.linesLogX(run.file("error-vs-time.png"), "Training loss vs virtual time, " + WORKERS + " workers, "
                        + computeTime + " compute times (mean of " + n + " seeds, 95% bars)", "virtual time (s)",
                "training loss (least squares, condition 50)", lines, true);
        plots.add("error-vs-time.png");
        return table;
    }

    static String raceFindings(Table race) {
        return "Least squares with condition number 50 (staleness-lr's data), plain SGD with each mode's η the best of "
                + java.util.Arrays.toString(TRAIN_LRS) + " by its mean log-loss over the time grid, "
                + "minibatch " + StalenessLr.BATCH + ", " + TRAIN_STEPS_EACH + " gradients per worker; a synchronous "
                + "round applies the mean of its gradients. Each cell is the training loss (mean ± standard error "
                + "over seeds) reached by that virtual time. This is the trade-off Dutta et al. study: a "
                + "synchronous round averages more gradients (less noise) but waits for the slowest worker; "
                + "asynchronous updates are frequent but stale; backups cut the wait. Which mode is ahead "
                + "depends on the time: read the columns left to right.";
    }
}
