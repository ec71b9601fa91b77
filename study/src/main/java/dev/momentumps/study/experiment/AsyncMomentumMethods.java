package dev.momentumps.study.experiment;

import dev.momentumps.study.report.Plots;
import dev.momentumps.study.sim.SimulationConfig;
import dev.momentumps.study.sim.TimeDistribution;
import dev.momentumps.server.compensation.Compensations;
import dev.momentumps.server.compensation.DelayCompensation;
import dev.momentumps.server.compensation.GapAware;
import dev.momentumps.server.compensation.GapMeter;
import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.worker.loop.DanaSlim;
import dev.momentumps.worker.loop.ElasticWorker;
import dev.momentumps.worker.loop.GradientSource;
import dev.momentumps.worker.loop.LocalSgd;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.TaskSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The momentum methods built for asynchrony side by side: ASGD, heavy ball, NAG-ASGD (torch's Nesterov at
 * the server), textbook Nesterov with look-ahead weights (nag), DANA-Zero, DANA-Slim (the momentum kept by
 * each worker), Gap-Aware (on heavy ball), DC-ASGD-a (on heavy ball), closed-loop momentum, EASGD (elastic
 * workers, H local steps) and SlowMo (H local SGD steps, outer slow momentum), under M simulated workers
 * with Gamma(2, 0.5) compute times (mean 1), on a real network ({@link NetworkTask}: the MLP 64-32-10 on
 * optdigits, {@code async-momentum-methods}, or the MNIST CNN on a subset, {@code async-momentum-methods-cnn}).
 * Each method has its best η (for EASGD and SlowMo: the workers' local learning rate, with EASGD's moving
 * rate α and SlowMo's slow momentum β tuned with it: {@link Knob}) by mean final test loss over paired seeds,
 * from grids that widen while a winner sits on their edge ({@link GridTuner.Widening#PER_KNOB}). Every
 * method computes the same number of minibatch gradients: the local-step methods push once every H of them. One worker with heavy
 * ball is the reference. Every cell runs on the same seeds (which draw the minibatches and the schedule), so
 * methods are compared seed by seed: final test accuracy and loss with 95 % t intervals, paired 95 % intervals
 * on the differences (NAG against DANA, each method against the best at its M), and each method's mean gap
 * ‖θ_apply − θ_computed‖ ({@link GapMeter}).
 */
public final class AsyncMomentumMethods implements Experiment {
    static final Path DEFAULT_DATA = Path.of("..", "shared", "data", "optdigits.tra");
    /** H, the local steps per push of EASGD and SlowMo. */
    static final int LOCAL_STEPS = 4;
    static final double BETA = 0.9;
    /**
     * SlowMo's outer α. Under asynchrony each worker's displacement lands on its own, from stale weights: the
     * paper's α = 1 diverges where 0.5 does not ({@code AsyncMethodsCommandTest}).
     */
    static final double SLOWMO_LR = 0.5;
    /** nag's EMA form scales its step by (1 − β): its η grid is the other momentum rules' times 1/(1 − β). */
    static final double NAG_LR_SCALE = 10;
    /** EASGD's moving rate α, in (0, 1) (the elastic worker takes xᵢ ← xᵢ − α(xᵢ − x̃)). */
    static final Knob ELASTIC_ALPHA = new Knob("alpha", new double[] {0.1, 0.3, 0.9}, 0, 0.99, true);
    /** SlowMo's slow momentum β, in [0, 1). */
    static final Knob SLOW_MOMENTUM = new Knob("beta", new double[] {0.2, 0.5, 0.8}, 0, 0.99, false);

    /**
     * One network's setting.
     *
     * @param sgdLrs    the η grid of ASGD and the local-step methods' local learning rate
     * @param momentumLrs the η grid of the momentum rules (nag's times {@link #NAG_LR_SCALE})
     * @param widen     at most this many widening passes (each adds one value beyond every edge a winner sits on)
     */
    record Setting(NetworkTask net, int[] workers, double[] sgdLrs, double[] momentumLrs, int seeds, int widen) {
    }

    static final Setting MLP = new Setting(new NetworkTask("mlp", 0, 0, 32, 800), new int[] {4, 8, 16, 32},
            new double[] {0.1, 0.3, 1}, new double[] {0.01, 0.03, 0.1}, 8, 4);
    static final Setting MLP_QUICK = new Setting(new NetworkTask("mlp", 0, 0, 32, 160), new int[] {4, 16},
            new double[] {0.3, 1}, new double[] {0.03, 0.1}, 2, 0);
    /**
     * The CNN: 200 updates, 5 paired seeds; M = 8 is left out and the grids widen at most twice, to keep the
     * whole row near an hour on two shared cores (docs/async-methods.md gives its time).
     */
    static final Setting CNN = new Setting(new NetworkTask("cnn", 2000, 500, 16, 200), new int[] {4, 16, 32},
            new double[] {0.03, 0.1, 0.3}, new double[] {0.003, 0.01, 0.03}, 5, 2);
    static final Setting CNN_QUICK = new Setting(new NetworkTask("cnn", 500, 100, 16, 8), new int[] {4},
            new double[] {0.1}, new double[] {0.03}, 2, 0);
    /** Kept for the quick test: the worker counts of the quick MLP setting. */
    static final int[] QUICK_WORKERS = MLP_QUICK.workers();

    private final boolean cnn;

    public AsyncMomentumMethods() {
        this(false);
    }

    private AsyncMomentumMethods(boolean cnn) {
        this.cnn = cnn;
    }

    /** {@code async-momentum-methods-cnn}: the same methods on the MNIST CNN (a subset). */
    public static AsyncMomentumMethods cnn() {
        return new AsyncMomentumMethods(true);
    }

    Setting setting(boolean quick) {
        return cnn ? (quick ? CNN_QUICK : CNN) : (quick ? MLP_QUICK : MLP);
    }

    /**
     * One method at one M, at its best η (and second parameter).
     *
     * @param lrWidened      how many η were added beyond the starting grid's edges
     * @param knob           the second parameter's name ({@code alpha}, {@code beta}), empty when the method has none
     * @param knobAtLimit    the best second parameter is at the method's bound (not a grid edge)
     * @param knobWidened    how many values of the second parameter were added beyond its starting grid
     * @param seedAccuracy   the test accuracy on each seed (every run's seeds are the same: paired)
     */
    public record Run(String method, int workers, double lr, boolean lrOnGridEdge, double[] lrGrid, int lrWidened,
                      String knob, double knobValue, boolean knobOnGridEdge, boolean knobAtLimit, double[] knobGrid,
                      int knobWidened, Interval testAccuracy, Interval testLoss, double meanGap, int diverged,
                      double[] seedAccuracy) {
    }

    /** A paired comparison: accuracy of {@code a} − accuracy of {@code b} at M workers, over the same seeds. */
    public record Paired(String a, String b, int workers, Interval difference) {
        /** {@code inside the noise}, {@code a higher}, {@code b higher} or {@code diverged}. */
        String verdict() {
            if (difference.nonFinite() > 0 || difference.n() < 2) {
                return difference.nonFinite() > 0 ? "a run diverged" : "one seed: no interval";
            }
            return !difference.excludes(0) ? "inside the noise" : difference.mean() > 0 ? a + " higher" : b + " higher";
        }
    }

    @Override
    public String name() {
        return cnn ? "async-momentum-methods-cnn" : "async-momentum-methods";
    }

    @Override
    public String description() {
        return "ASGD, heavy ball, NAG-ASGD, nag, DANA-Zero/-Slim, Gap-Aware, DC-ASGD, closed-loop, EASGD and SlowMo, "
                + "tuned eta, gamma-timed async workers, " + (cnn ? "the MNIST CNN (a subset)" : "MLP on optdigits");
    }

    /**
     * A method's second hyper-parameter, tuned with η: for each of its values the best η, then the value whose
     * best η has the lowest mean loss. Its grid widens past an edge its winner sits on, by the grid's step (a
     * ratio when {@code log}), never past [lo, hi]: a winner at a bound is at the method's limit, not on an edge.
     */
    record Knob(String name, double[] grid, double lo, double hi, boolean log) implements GridTuner.Axis {
        Knob {
            if (grid.length < 2) {
                throw new IllegalArgumentException(name + ": a grid of at least two values");
            }
        }

        @Override
        public double next(double[] values, boolean top) {
            return GridTuner.continuing(lo, hi, log).next(values, top);
        }

        boolean atLimit(double v) {
            return v <= lo || v >= hi;
        }
    }

    /** η grows past an edge by its grid's own step ({@link GridTuner#continuing}): 0.01, 0.03, 0.1 → 0.3 → 1. */
    static final GridTuner.Axis LR_AXIS = GridTuner.continuing(0, Double.POSITIVE_INFINITY, true);

    /** The server's rule for M workers at the method's second parameter (NaN when it has none). */
    interface Rule {
        OptimizerConfig.Builder at(int workers, double knob);
    }

    /** What a worker does besides computing one gradient a push (EASGD's elastic worker, local SGD, DANA-Slim). */
    interface WorkerSide {
        GradientSource wrap(GradientSource g, int workers, double lr, double knob);
    }

    static final WorkerSide PLAIN = (g, m, lr, k) -> g;

    /**
     * @param sgd       whether η comes from the SGD grid (the worker's local learning rate for local-step methods)
     * @param lrScale   the factor on that grid
     * @param steps     minibatch gradients per push
     * @param knob      the second tuned parameter, or null
     */
    record Method(String name, boolean sgd, double lrScale, Rule rule, Supplier<StalenessCompensation> compensation,
                  WorkerSide worker, int steps, Knob knob) {
        Method(String name, boolean sgd, Rule rule, Supplier<StalenessCompensation> compensation) {
            this(name, sgd, 1, rule, compensation, PLAIN, 1, null);
        }

        /** The server's rule at η (local-step methods: their outer step; η is the workers'). */
        OptimizerConfig config(int workers, double lr, double knob) {
            OptimizerConfig.Builder b = rule.at(workers, knob);
            return steps > 1 ? b.build() : b.lr(lr).build();
        }

        /** The starting η grid of this method in a setting. */
        double[] lrs(Setting s) {
            double[] g = (sgd ? s.sgdLrs() : s.momentumLrs()).clone();
            for (int i = 0; i < g.length; i++) {
                g[i] = Math.round(g[i] * lrScale * 1e6) / 1e6;
            }
            return g;
        }

        /** The starting values of the second parameter (NaN: none; --quick: the grid's middle one). */
        double[] knobs(boolean quick) {
            return knob == null ? new double[] {Double.NaN}
                    : quick ? new double[] {knob.grid()[knob.grid().length / 2]} : knob.grid();
        }
    }

    static List<Method> methods() {
        Supplier<StalenessCompensation> none = () -> StalenessCompensation.NONE;
        return List.of(
                new Method("ASGD", true, (m, k) -> OptimizerConfig.builder("sgd"), none),
                new Method("heavy ball", false, (m, k) -> OptimizerConfig.builder("momentum").beta(BETA), none),
                new Method("NAG-ASGD (torch nesterov)", false,
                        (m, k) -> OptimizerConfig.builder("nesterov").beta(BETA), none),
                new Method("nag (look-ahead)", false, NAG_LR_SCALE, (m, k) -> OptimizerConfig.builder("nag").beta(BETA),
                        none, PLAIN, 1, null),
                new Method("DANA-Zero", false, (m, k) -> OptimizerConfig.builder("dana").beta(BETA).workers(m), none),
                new Method("DANA-Slim", false, 1, (m, k) -> OptimizerConfig.builder("sgd"), none,
                        (g, m, lr, k) -> new DanaSlim(g, BETA), 1, null),
                new Method("Gap-Aware (heavy ball)", false, (m, k) -> OptimizerConfig.builder("momentum").beta(BETA),
                        GapAware::new),
                new Method("DC-ASGD-a 0.5 (heavy ball)", false,
                        (m, k) -> OptimizerConfig.builder("momentum").beta(BETA), () -> new DelayCompensation(0.5f, true)),
                new Method("closed-loop (target 0.9)", false,
                        (m, k) -> OptimizerConfig.builder("closed-loop").beta(BETA).target(BETA).gain(0.01), none),
                new Method("EASGD (H = " + LOCAL_STEPS + ")", true, 1,
                        (m, alpha) -> OptimizerConfig.builder("easgd").lr(alpha), none,
                        (g, m, lr, alpha) -> new ElasticWorker(g, LOCAL_STEPS, lr, alpha, 0), LOCAL_STEPS,
                        ELASTIC_ALPHA),
                new Method("SlowMo (H = " + LOCAL_STEPS + ", alpha " + SLOWMO_LR + ")", true, 1,
                        (m, beta) -> OptimizerConfig.builder("slowmo").lr(SLOWMO_LR).beta(beta), none,
                        (g, m, lr, beta) -> new LocalSgd(g, LOCAL_STEPS, lr, 0), LOCAL_STEPS, SLOW_MOMENTUM));
    }

    /** {test accuracy, test loss, mean gap}; loss +inf when the run diverged. */
    static double[] evaluate(NetworkTask net, Task task, Path data, Method m, int workers, double lr, double knob,
                             long seed, TimeDistribution computeTime) {
        TaskSpec spec = net.spec(data, seed);
        OptimizerConfig c = m.config(workers, lr, knob);
        GapMeter gaps = new GapMeter();
        try (ParameterServerCore core = InProcessServer.core(c)) {
            core.setCompensation(Compensations.of(List.of(m.compensation().get(), gaps)));
            SimulationConfig config = SimulationConfig.defaults().withComputeTime(computeTime).withSeed(seed * 131L);
            AsyncRuns.Outcome o = AsyncRuns.run(core, workers,
                    r -> m.worker().wrap(task.worker(spec, r, workers), workers, lr, knob), net.updates() / m.steps(),
                    config, sim -> { });
            if (o.diverged() || !finite(o.weights())) {
                return new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NaN};
            }
            double loss = task.model().loss(o.weights(), task.test());
            return new double[] {task.model().accuracy(o.weights(), task.test()),
                    Double.isFinite(loss) ? loss : Double.POSITIVE_INFINITY, gaps.meanGap()};
        }
    }

    private static boolean finite(float[] w) {
        for (float v : w) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** What a grid runs: a method at M workers. */
    record Arm(Method method, int workers) {
    }

    /**
     * One method at one M: a row per value of its second parameter (one when it has none), each with the η
     * grid {@code lrs}; runs score {test accuracy, test loss, mean gap}, tuned by the loss.
     */
    static GridTuner.Grid<Arm> tuning(Method m, int workers, double[] lrs, boolean quick) {
        return new GridTuner.Grid<>(new Arm(m, workers), m.knobs(quick), lrs, LR_AXIS, m.knob(), 1);
    }

    /** A tuned method at one M as a row: its best cell at its best η. */
    static Run result(GridTuner.Grid<Arm> t, String name, int seeds) {
        int bk = t.best();
        GridTuner.Row cell = t.rows.get(bk);
        int best = t.bestLrs()[bk];
        double[][] loss = cell.scores(1);
        double[] acc = new double[seeds];
        double gap = 0;
        int diverged = 0;
        for (int s = 0; s < seeds; s++) {
            double[] e = cell.results.get(best)[s];
            acc[s] = e[0];
            gap += e[2] / seeds;
            diverged += Double.isFinite(e[1]) ? 0 : 1;
        }
        Knob knob = t.key.method().knob();
        boolean knobEnd = t.rows.size() > 1 && (bk == 0 || bk == t.rows.size() - 1);
        boolean atLimit = knob != null && knobEnd && knob.atLimit(cell.knob);
        return new Run(name, t.key.workers(), cell.lrs[best], best == 0 || best == cell.lrs.length - 1, cell.lrs,
                cell.lrWidened, knob == null ? "" : knob.name(), cell.knob, knobEnd && !atLimit, atLimit, t.knobs(),
                t.knobWidened, Interval.of(acc), Interval.of(loss[best]), gap, diverged, acc);
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        Setting set = setting(run.quick());
        NetworkTask net = set.net();
        NetworkTask.Loaded loaded = net.load(run);
        Path data = loaded.data();
        Task task = loaded.task();
        int[] ms = set.workers();
        long[] seeds = run.seeds(set.seeds(), set.seeds());
        int n = seeds.length;
        TimeDistribution computeTime = run.computeTime() instanceof TimeDistribution.Exponential
                ? new TimeDistribution.Gamma(2, 0.5) : run.computeTime();
        List<Method> methods = methods();
        // the single-worker reference first, then method × M
        List<GridTuner.Grid<Arm>> tunings = new ArrayList<>();
        tunings.add(tuning(methods.get(1), 1, methods.get(1).lrs(set), run.quick()));
        for (Method m : methods) {
            for (int w : ms) {
                tunings.add(tuning(m, w, m.lrs(set), run.quick()));
            }
        }
        int maxWiden = set.widen(); // --quick: its grids as they are
        GridTuner.tune(tunings, n, (a, lr, knob, s) -> evaluate(net, task, data, a.method(), a.workers(), lr, knob,
                seeds[s], computeTime), GridTuner.Widening.PER_KNOB, maxWiden);
        Table table = new Table("method", "workers M", "best eta", "eta grid", "second parameter", "widened",
                "test accuracy", "95% interval", "test loss", "mean gap", "diverged");
        List<Run> runs = new ArrayList<>();
        for (GridTuner.Grid<Arm> t : tunings) {
            Run r = result(t, t.key.workers() == 1 ? "single worker (heavy ball)" : t.key.method().name(), n);
            runs.add(r);
            String second = r.knob().isEmpty() ? "" : r.knob() + " " + Table.num(r.knobValue())
                    + (r.knobOnGridEdge() ? " (edge)" : r.knobAtLimit() ? " (bound)" : "") + " of "
                    + range(r.knobGrid());
            List<String> widened = new ArrayList<>();
            if (r.lrWidened() > 0) {
                widened.add("eta +" + r.lrWidened());
            }
            if (r.knobWidened() > 0) {
                widened.add(r.knob() + " +" + r.knobWidened());
            }
            table.row(r.method(), r.workers(), Table.num(r.lr()) + (r.lrOnGridEdge() ? " (edge)" : ""),
                    range(r.lrGrid()), second, widened.isEmpty() ? "no" : String.join(", ", widened),
                    r.testAccuracy().format(4), r.testAccuracy().formatRange(), r.testLoss().format(4),
                    Double.isFinite(r.meanGap()) ? Table.num(r.meanGap()) : "n/a", r.diverged() + " of " + n);
        }
        table.writeCsv(run.file("results.csv"));
        List<Plots.Line> lines = new ArrayList<>();
        for (int i = 0; i < methods.size(); i++) {
            double[] x = new double[ms.length];
            double[] y = new double[ms.length];
            double[] e = new double[ms.length];
            for (int j = 0; j < ms.length; j++) {
                Run r = runs.get(1 + i * ms.length + j);
                x[j] = ms[j];
                y[j] = r.testAccuracy().mean();
                e[j] = r.testAccuracy().hi() - r.testAccuracy().mean();
            }
            lines.add(new Plots.Line(methods.get(i).name(), x, y, e));
        }
        Run single = runs.get(0);
        Plots.lines(run.file("accuracy.png"), "Test accuracy at the best eta against workers (single worker: "
                + Table.num(single.testAccuracy().mean()) + ")", "workers M", "test accuracy", lines, false);
        List<Paired> paired = paired(runs, ms);
        Map<String, Object> summary = net.summary(task, n);
        summary.put("compute_time", computeTime.toString());
        summary.put("local_steps", LOCAL_STEPS);
        summary.put("momentum_lrs", set.momentumLrs());
        summary.put("sgd_lrs", set.sgdLrs());
        summary.put("seeds", seeds);
        summary.put("max_widen", maxWiden);
        summary.put("runs", runs);
        summary.put("paired", paired);
        run.summary(name(), summary);
        run.report("Momentum methods built for asynchrony" + (cnn ? " (MNIST CNN)" : ""),
                net.describe(task) + "; M simulated workers with " + computeTime + " compute times. β = " + BETA
                        + " for every momentum method (DANA-Slim: the workers' γ; closed-loop: its starting β and "
                        + "target total); EASGD and SlowMo push every H = " + LOCAL_STEPS + " local steps (the same "
                        + "number of minibatch gradients in all: " + net.updates() / LOCAL_STEPS + " pushes), SlowMo "
                        + "with outer α = " + SLOWMO_LR + ", and their η is the workers' local learning rate. η the "
                        + "best by mean final test loss over " + n + " paired seeds, starting from "
                        + Arrays.toString(set.momentumLrs()) + " (nag: ×" + Table.num(NAG_LR_SCALE)
                        + ", its EMA form scales the step by 1 − β; ASGD, EASGD and SlowMo: "
                        + Arrays.toString(set.sgdLrs()) + "); EASGD's moving rate α from "
                        + Arrays.toString(ELASTIC_ALPHA.grid()) + " and SlowMo's slow momentum β from "
                        + Arrays.toString(SLOW_MOMENTUM.grid()) + " are tuned with it (for each value its best η). "
                        + "Every grid grows by one value beyond the edge its winner sits on, at most " + maxWiden
                        + " times (\"widened\": values added; \"edge\": still on it; \"bound\": α or β at the "
                        + "method's limit, 0.99). Test accuracy and loss: mean ± se over the seeds with 95 % t "
                        + "intervals; every row's interval, the single worker's included, is over the seeds, which "
                        + "draw the minibatches and the compute times and are the same for every row, so "
                        + "differences are paired. Mean gap: the mean of ‖θ_apply − θ_computed‖ over the run's "
                        + "gradients, at the best η (EASGD and SlowMo push weights or displacements: their gap is "
                        + "the center's move between a worker's read and its push).",
                table, findings(runs, ms, paired), List.of("accuracy.png"));
        return table;
    }

    private static String range(double[] grid) {
        return grid.length == 1 ? Table.num(grid[0])
                : Table.num(grid[0]) + " .. " + Table.num(grid[grid.length - 1]) + " (" + grid.length + ")";
    }

    /** The comparisons between NAG and DANA the papers make, at every M: accuracy differences over the seeds. */
    static final String[][] NAG_VS_DANA = {
            {"NAG-ASGD (torch nesterov)", "DANA-Zero"},
            {"NAG-ASGD (torch nesterov)", "DANA-Slim"},
            {"nag (look-ahead)", "DANA-Zero"}};

    static List<Paired> paired(List<Run> runs, int[] ms) {
        List<Paired> out = new ArrayList<>();
        for (String[] p : NAG_VS_DANA) {
            for (int m : ms) {
                out.add(new Paired(p[0], p[1], m,
                        Interval.paired(find(runs, p[0], m).seedAccuracy(), find(runs, p[1], m).seedAccuracy())));
            }
        }
        return out;
    }

    static Run find(List<Run> runs, String method, int workers) {
        for (Run r : runs) {
            if (r.method().equals(method) && r.workers() == workers) {
                return r;
            }
        }
        throw new IllegalArgumentException(method + " at " + workers);
    }

    static String findings(List<Run> runs, int[] ms, List<Paired> paired) {
        Run single = runs.get(0);
        int high = ms[ms.length - 1];
        Run nag = find(runs, "NAG-ASGD (torch nesterov)", high);
        Run dana = find(runs, "DANA-Zero", high);
        Run slim = find(runs, "DANA-Slim", high);
        Interval nagVsOne = Interval.paired(nag.seedAccuracy(), single.seedAccuracy());
        Interval danaVsOne = Interval.paired(dana.seedAccuracy(), single.seedAccuracy());
        StringBuilder b = new StringBuilder("One worker reaches ").append(single.testAccuracy().format(4))
                .append(' ').append(single.testAccuracy().formatRange()).append(" (over the seeds). At M = ")
                .append(high).append(": NAG-ASGD ").append(nag.testAccuracy().format(4)).append(", DANA-Zero ")
                .append(dana.testAccuracy().format(4)).append(", DANA-Slim ").append(slim.testAccuracy().format(4))
                .append(". ");
        boolean nagFails = nag.diverged() > 0 || nagVsOne.hi() < 0;
        boolean danaNear = dana.diverged() == 0 && !(danaVsOne.hi() < 0);
        b.append("\"NAG-ASGD fails at high M while DANA stays near the single-worker accuracy\": ")
                .append(nagFails && danaNear ? "reproduces here" : "does not reproduce here")
                .append(" (paired with the single worker, seed by seed: NAG-ASGD ").append(diff(nagVsOne))
                .append(", DANA-Zero ").append(diff(danaVsOne)).append(").\n\n");
        Table t = new Table("accuracy difference", "workers M", "mean ± se", "paired 95% interval", "verdict");
        for (Paired p : paired) {
            t.row(p.a() + " − " + p.b(), p.workers(), p.difference().format(4), p.difference().formatRange(),
                    p.verdict());
        }
        b.append("NAG against DANA, seed by seed:\n\n").append(t.markdown()).append('\n');
        for (int m : ms) {
            Run best = null;
            for (Run r : runs) {
                if (r.workers() == m && r.diverged() == 0
                        && (best == null || r.testAccuracy().mean() > best.testAccuracy().mean())) {
                    best = r;
                }
            }
            if (best == null) {
                continue;
            }
            List<String> tied = new ArrayList<>();
            List<String> below = new ArrayList<>();
            for (Run r : runs) {
                if (r.workers() == m && r != best) {
                    Interval d = Interval.paired(r.seedAccuracy(), best.seedAccuracy());
                    (r.diverged() == 0 && !(d.hi() < 0) ? tied : below).add(r.method());
                }
            }
            b.append("M = ").append(m).append(": highest mean accuracy ").append(best.method()).append(" (")
                    .append(best.testAccuracy().format(4)).append(", mean gap ").append(Table.num(best.meanGap()))
                    .append("); inside the noise of it (paired interval reaching 0): ")
                    .append(tied.isEmpty() ? "none" : String.join(", ", tied)).append("; significantly below: ")
                    .append(below.isEmpty() ? "none" : String.join(", ", below)).append(".\n\n");
        }
        boolean edges = false;
        List<String> widened = new ArrayList<>();
        for (Run r : runs) {
            edges |= r.lrOnGridEdge() || r.knobOnGridEdge();
            if (r.lrWidened() + r.knobWidened() > 0) {
                widened.add(r.method() + " at M = " + r.workers());
            }
        }
        b.append(widened.isEmpty() ? "No grid widened. " : "Grids widened for " + String.join(", ", widened) + ". ");
        b.append(edges ? "Some winners are still on their grid's edge after widening (\"edge\" in the table)."
                : "No winner sits on its grid's edge.");
        return b.toString();
    }

    private static String diff(Interval d) {
        return d.format(4) + " " + d.formatRange();
    }
}
