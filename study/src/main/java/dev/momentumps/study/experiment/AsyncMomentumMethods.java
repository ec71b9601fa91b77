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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The momentum methods built for asynchrony side by side: ASGD, heavy ball, NAG-ASGD (torch's Nesterov at
 * the server), textbook Nesterov with look-ahead weights (nag), DANA-Zero, DANA-Slim (the momentum kept by
 * each worker), Gap-Aware (on heavy ball), DC-ASGD-a (on heavy ball), closed-loop momentum, EASGD (elastic
 * workers, H local steps) and SlowMo (H local SGD steps, outer slow momentum), under M simulated workers
 * with Gamma(2, 0.5) compute times (mean 1), on a real network ({@link NetworkTask}: the MLP 64-32-10 on
 * optdigits, {@code async-momentum-methods}, or the MNIST CNN on a subset, {@code async-momentum-methods-cnn}).
 * Each method has its best η (for EASGD and SlowMo: the workers' local learning rate) by mean final test loss
 * over paired seeds, from a grid that grows while the winner sits on its edge. Every method computes the same
 * number of minibatch gradients: the local-step methods push once every H of them. One worker with heavy ball
 * is the reference; its interval, like every other, is over the seeds (which draw the minibatches and the
 * schedule). Reported: final test accuracy and loss with 95 % t intervals, and each method's mean gap
 * ‖θ_apply − θ_computed‖ ({@link GapMeter}).
 */
public final class AsyncMomentumMethods implements Experiment {
    static final Path DEFAULT_DATA = Path.of("..", "shared", "data", "optdigits.tra");
    /** H, the local steps per push of EASGD and SlowMo. */
    static final int LOCAL_STEPS = 4;
    static final double BETA = 0.9;
    /** SlowMo's outer step: α (under asynchrony each displacement lands on its own) and the slow momentum. */
    static final double SLOWMO_LR = 0.5;
    static final double SLOWMO_BETA = 0.5;
    /** At most this many grid extensions per cell (one η beyond the edge each). */
    static final int MAX_WIDEN = 2;

    /**
     * One network's setting.
     *
     * @param sgdLrs    the η grid of ASGD, DANA-Slim's and the local-step methods' (local) learning rate
     * @param momentumLrs the η grid of the momentum rules
     */
    record Setting(NetworkTask net, int[] workers, double[] sgdLrs, double[] momentumLrs, int seeds) {
    }

    static final Setting MLP = new Setting(new NetworkTask("mlp", 0, 0, 32, 800), new int[] {4, 16, 32},
            new double[] {0.1, 0.3, 1}, new double[] {0.01, 0.03, 0.1}, 3);
    static final Setting MLP_QUICK = new Setting(new NetworkTask("mlp", 0, 0, 32, 160), new int[] {4, 16},
            new double[] {0.3, 1}, new double[] {0.03, 0.1}, 2);
    static final Setting CNN = new Setting(new NetworkTask("cnn", 2000, 500, 16, 80), new int[] {4, 16},
            new double[] {0.03, 0.1, 0.3}, new double[] {0.01, 0.03, 0.1}, 2);
    static final Setting CNN_QUICK = new Setting(new NetworkTask("cnn", 500, 100, 16, 8), new int[] {4},
            new double[] {0.1}, new double[] {0.03}, 2);
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

    /** One method at one M, at its best η. */
    public record Run(String method, int workers, double lr, boolean lrOnGridEdge, Interval testAccuracy,
                      Interval testLoss, double meanGap, int diverged) {
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

    /** What a worker does besides computing one gradient a push (EASGD's elastic worker, local SGD, DANA-Slim). */
    interface WorkerSide {
        GradientSource wrap(GradientSource g, int workers, double lr);
    }

    static final WorkerSide PLAIN = (g, m, lr) -> g;

    /**
     * @param sgd       whether η comes from the SGD grid (the worker's local learning rate for local-step methods)
     * @param steps     minibatch gradients per push
     */
    record Method(String name, boolean sgd, IntFunction<OptimizerConfig.Builder> rule,
                  Supplier<StalenessCompensation> compensation, WorkerSide worker, int steps) {
        Method(String name, boolean sgd, IntFunction<OptimizerConfig.Builder> rule,
               Supplier<StalenessCompensation> compensation) {
            this(name, sgd, rule, compensation, PLAIN, 1);
        }

        /** The server's rule at η (local-step methods: their fixed outer step; η is the workers'). */
        OptimizerConfig config(int workers, double lr) {
            OptimizerConfig.Builder b = rule.apply(workers);
            return steps > 1 ? b.build() : b.lr(lr).build();
        }
    }

    /** EASGD's moving rate: the paper's β = 0.9 spread over the M workers. */
    static double elasticAlpha(int workers) {
        return Math.min(0.9, 0.9 / workers);
    }

    static List<Method> methods() {
        return List.of(
                new Method("ASGD", true, m -> OptimizerConfig.builder("sgd"), () -> StalenessCompensation.NONE),
                new Method("heavy ball", false, m -> OptimizerConfig.builder("momentum").beta(BETA),
                        () -> StalenessCompensation.NONE),
                new Method("NAG-ASGD (torch nesterov)", false, m -> OptimizerConfig.builder("nesterov").beta(BETA),
                        () -> StalenessCompensation.NONE),
                new Method("nag (look-ahead)", false, m -> OptimizerConfig.builder("nag").beta(BETA),
                        () -> StalenessCompensation.NONE),
                new Method("DANA-Zero", false, m -> OptimizerConfig.builder("dana").beta(BETA).workers(m),
                        () -> StalenessCompensation.NONE),
                new Method("DANA-Slim", false, m -> OptimizerConfig.builder("sgd"), () -> StalenessCompensation.NONE,
                        (g, m, lr) -> new DanaSlim(g, BETA), 1),
                new Method("Gap-Aware (heavy ball)", false, m -> OptimizerConfig.builder("momentum").beta(BETA),
                        GapAware::new),
                new Method("DC-ASGD-a 0.5 (heavy ball)", false, m -> OptimizerConfig.builder("momentum").beta(BETA),
                        () -> new DelayCompensation(0.5f, true)),
                new Method("closed-loop (target 0.9)", false,
                        m -> OptimizerConfig.builder("closed-loop").beta(BETA).target(BETA).gain(0.01),
                        () -> StalenessCompensation.NONE),
                new Method("EASGD (H = " + LOCAL_STEPS + ", alpha = 0.9/M)", true,
                        m -> OptimizerConfig.builder("easgd").lr(elasticAlpha(m)), () -> StalenessCompensation.NONE,
                        (g, m, lr) -> new ElasticWorker(g, LOCAL_STEPS, lr, elasticAlpha(m), 0), LOCAL_STEPS),
                new Method("SlowMo (H = " + LOCAL_STEPS + ", alpha " + SLOWMO_LR + ", beta " + SLOWMO_BETA + ")", true,
                        m -> OptimizerConfig.builder("slowmo").lr(SLOWMO_LR).beta(SLOWMO_BETA),
                        () -> StalenessCompensation.NONE,
                        (g, m, lr) -> new LocalSgd(g, LOCAL_STEPS, lr, 0), LOCAL_STEPS));
    }

    /** {test accuracy, test loss, mean gap}; loss +inf when the run diverged. */
    static double[] evaluate(NetworkTask net, Task task, Path data, Method m, int workers, double lr, long seed,
                             TimeDistribution computeTime) {
        TaskSpec spec = net.spec(data, seed);
        OptimizerConfig c = m.config(workers, lr);
        GapMeter gaps = new GapMeter();
        try (ParameterServerCore core = InProcessServer.core(c)) {
            core.setCompensation(Compensations.of(List.of(m.compensation().get(), gaps)));
            SimulationConfig config = SimulationConfig.defaults().withComputeTime(computeTime).withSeed(seed * 131L);
            AsyncRuns.Outcome o = AsyncRuns.run(core, workers,
                    r -> m.worker().wrap(task.worker(spec, r, workers), workers, lr), net.updates() / m.steps(), config,
                    sim -> { });
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

    /** One cell (a method at one M): its η grid, as grown, and every η's runs over the seeds. */
    private static final class Cell {
        final Method method;
        final int workers;
        double[] lrs;
        List<double[][]> results = new ArrayList<>(); // per η: per seed {acc, loss, gap}

        Cell(Method method, int workers, double[] lrs) {
            this.method = method;
            this.workers = workers;
            this.lrs = lrs.clone();
        }

        double[][] losses() {
            double[][] loss = new double[lrs.length][];
            for (int l = 0; l < lrs.length; l++) {
                double[][] r = results.get(l);
                loss[l] = new double[r.length];
                for (int s = 0; s < r.length; s++) {
                    loss[l][s] = r[s][1];
                }
            }
            return loss;
        }
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
        // cells: the single-worker reference first, then method × M
        List<Cell> cells = new ArrayList<>();
        cells.add(new Cell(methods.get(1), 1, set.momentumLrs()));
        for (Method m : methods) {
            for (int w : ms) {
                cells.add(new Cell(m, w, m.sgd() ? set.sgdLrs() : set.momentumLrs()));
            }
        }
        // the first pass runs every cell's grid; each further pass adds one η beyond the edge its winner sits on
        List<int[]> pending = new ArrayList<>(); // {cell, η index}
        for (int c = 0; c < cells.size(); c++) {
            for (int l = 0; l < cells.get(c).lrs.length; l++) {
                pending.add(new int[] {c, l});
            }
        }
        for (int pass = 0; !pending.isEmpty(); pass++) {
            List<int[]> todo = pending;
            List<double[]> flat = Replicates.map(todo.size() * n, k -> {
                int[] job = todo.get(k / n);
                Cell cell = cells.get(job[0]);
                return evaluate(net, task, data, cell.method, cell.workers, cell.lrs[job[1]], seeds[k % n], computeTime);
            });
            for (int j = 0; j < todo.size(); j++) {
                Cell cell = cells.get(todo.get(j)[0]);
                double[][] r = new double[n][];
                for (int s = 0; s < n; s++) {
                    r[s] = flat.get(j * n + s);
                }
                int l = todo.get(j)[1];
                while (cell.results.size() <= l) {
                    cell.results.add(null);
                }
                cell.results.set(l, r);
            }
            pending = new ArrayList<>();
            if (pass >= (run.quick() ? 0 : MAX_WIDEN)) { // --quick: its grid as it is
                break;
            }
            for (int c = 0; c < cells.size(); c++) {
                Cell cell = cells.get(c);
                int best = GridBest.of(cell.losses()).best();
                int last = cell.lrs.length - 1;
                if (best == last || best == 0) {
                    boolean top = best == last; // a one-η grid grows upward
                    double ratio = cell.lrs.length > 1 ? cell.lrs[1] / cell.lrs[0] : 3;
                    double extra = top ? cell.lrs[last] * ratio : cell.lrs[0] / ratio;
                    double[] grown = new double[cell.lrs.length + 1];
                    System.arraycopy(cell.lrs, 0, grown, top ? 0 : 1, cell.lrs.length);
                    grown[top ? grown.length - 1 : 0] = Math.round(extra * 1e6) / 1e6;
                    cell.lrs = grown;
                    if (!top) {
                        cell.results.add(0, null);
                    }
                    pending.add(new int[] {c, top ? grown.length - 1 : 0});
                }
            }
        }
        Table table = new Table("method", "workers M", "best eta", "eta grid", "test accuracy", "95% interval",
                "test loss", "mean gap", "diverged");
        List<Run> runs = new ArrayList<>();
        for (Cell cell : cells) {
            double[][] loss = cell.losses();
            int best = GridBest.of(loss).best();
            double[] acc = new double[n];
            double gap = 0;
            int diverged = 0;
            for (int s = 0; s < n; s++) {
                double[] e = cell.results.get(best)[s];
                acc[s] = e[0];
                gap += e[2] / n;
                diverged += Double.isFinite(e[1]) ? 0 : 1;
            }
            double lr = cell.lrs[best];
            boolean single = cell.workers == 1;
            String name = single ? "single worker (heavy ball)" : cell.method.name();
            Run r = new Run(name, cell.workers, lr, best == 0 || best == cell.lrs.length - 1, Interval.of(acc),
                    Interval.of(loss[best]), gap, diverged);
            runs.add(r);
            table.row(name, cell.workers, Table.num(lr) + (r.lrOnGridEdge() ? " (edge)" : ""),
                    Table.num(cell.lrs[0]) + " .. " + Table.num(cell.lrs[cell.lrs.length - 1]),
                    r.testAccuracy().format(4), r.testAccuracy().formatRange(), r.testLoss().format(4),
                    Double.isFinite(gap) ? Table.num(gap) : "n/a", diverged + " of " + n);
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
        Map<String, Object> summary = net.summary(task, n);
        summary.put("compute_time", computeTime.toString());
        summary.put("local_steps", LOCAL_STEPS);
        summary.put("momentum_lrs", set.momentumLrs());
        summary.put("sgd_lrs", set.sgdLrs());
        summary.put("runs", runs);
        run.summary(name(), summary);
        run.report("Momentum methods built for asynchrony" + (cnn ? " (MNIST CNN)" : ""),
                net.describe(task) + "; M simulated workers with " + computeTime + " compute times. β = " + BETA
                        + " for every momentum method (DANA-Slim: the workers' γ; closed-loop: its starting β and "
                        + "target total); EASGD and SlowMo push every H = " + LOCAL_STEPS + " local steps (the same "
                        + "number of minibatch gradients in all: " + net.updates() / LOCAL_STEPS + " pushes), EASGD "
                        + "with moving rate α = 0.9/M, SlowMo with outer α = " + SLOWMO_LR + " and slow momentum "
                        + SLOWMO_BETA + ", and their η is the workers' local learning rate. η the best by mean "
                        + "final test loss over " + n + " paired seeds, starting from " + Arrays.toString(
                        set.momentumLrs()) + " (ASGD, DANA-Slim's server SGD, EASGD and SlowMo: " + Arrays.toString(
                        set.sgdLrs()) + ") and growing by one η beyond the edge its winner sits on, at most "
                        + (run.quick() ? 0 : MAX_WIDEN) + " times (\"edge\": still on it). Test accuracy and loss: mean ± se over the seeds "
                        + "with 95 % t intervals; every row's interval, the single worker's included, is over the "
                        + "seeds, which draw the minibatches and the compute times. Mean gap: the mean of "
                        + "‖θ_apply − θ_computed‖ over the run's gradients, at the best η (EASGD and SlowMo push "
                        + "weights or displacements: their gap is the center's move between a worker's read and its "
                        + "push).",
                table, findings(runs, ms), List.of("accuracy.png"));
        return table;
    }

    static Run find(List<Run> runs, String method, int workers) {
        for (Run r : runs) {
            if (r.method().equals(method) && r.workers() == workers) {
                return r;
            }
        }
        throw new IllegalArgumentException(method + " at " + workers);
    }

    static String findings(List<Run> runs, int[] ms) {
        Run single = runs.get(0);
        int high = ms[ms.length - 1];
        Run nag = find(runs, "NAG-ASGD (torch nesterov)", high);
        Run dana = find(runs, "DANA-Zero", high);
        Run slim = find(runs, "DANA-Slim", high);
        StringBuilder b = new StringBuilder("One worker reaches ").append(single.testAccuracy().format(4))
                .append(' ').append(single.testAccuracy().formatRange()).append(" (over the seeds). At M = ")
                .append(high).append(": NAG-ASGD ").append(nag.testAccuracy().format(4)).append(", DANA-Zero ")
                .append(dana.testAccuracy().format(4)).append(", DANA-Slim ").append(slim.testAccuracy().format(4))
                .append(". ");
        boolean nagFails = nag.diverged() > 0 || nag.testAccuracy().hi() < single.testAccuracy().lo();
        boolean danaNear = dana.diverged() == 0 && dana.testAccuracy().hi() >= single.testAccuracy().lo();
        b.append("\"NAG-ASGD fails at high M while DANA stays near the single-worker accuracy\": ")
                .append(nagFails && danaNear ? "reproduces here" : "does not reproduce here").append(" (NAG-ASGD ")
                .append(nagFails ? "below" : "not below").append(" the single worker's interval, DANA-Zero ")
                .append(danaNear ? "overlapping" : "below").append(" it). ");
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
            for (Run r : runs) {
                if (r.workers() == m && r != best && r.diverged() == 0 && r.testAccuracy().hi() >= best.testAccuracy().lo()) {
                    tied.add(r.method());
                }
            }
            b.append("M = ").append(m).append(": highest mean accuracy ").append(best.method()).append(" (")
                    .append(best.testAccuracy().format(4)).append(", mean gap ").append(Table.num(best.meanGap()))
                    .append(")").append(tied.isEmpty() ? ", every other method's interval below its own. "
                            : "; intervals overlapping it: " + String.join(", ", tied) + ". ");
        }
        boolean edges = false;
        for (Run r : runs) {
            edges |= r.lrOnGridEdge();
        }
        b.append(edges ? "Some best η are still on their grid's edge after widening (\"edge\" in the table)."
                : "No best η sits on its grid's edge.");
        return b.toString();
    }
}
