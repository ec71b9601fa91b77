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
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.TaskSpec;
import dev.momentumps.worker.task.Tasks;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The momentum methods built for asynchrony side by side: ASGD, heavy ball, NAG-ASGD (torch's Nesterov at
 * the server), textbook Nesterov with look-ahead weights (nag), DANA-Zero, Gap-Aware (on heavy ball),
 * DC-ASGD-a (on heavy ball) and closed-loop momentum, each with its best η from a small grid, under M
 * simulated workers with Gamma(2, 0.5) compute times (mean 1), on the MLP (64-32-10) on optdigits; one
 * worker with heavy ball is the reference. Reported: final test accuracy and loss over seeds, and each
 * method's mean gap ‖θ_apply − θ_computed‖ ({@link GapMeter}).
 */
public final class AsyncMomentumMethods implements Experiment {
    static final Path DEFAULT_DATA = Path.of("..", "shared", "data", "optdigits.tra");
    static final int[] WORKERS = {4, 8, 16, 32};
    static final int[] QUICK_WORKERS = {4, 16};
    static final long UPDATES = 1000;
    static final long QUICK_UPDATES = 200;
    static final double[] MOMENTUM_LRS = {0.01, 0.03, 0.1};
    static final double[] QUICK_MOMENTUM_LRS = {0.03, 0.1};
    static final double[] SGD_LRS = {0.1, 0.3, 1};
    static final double[] QUICK_SGD_LRS = {0.3, 1};
    static final double BETA = 0.9;

    /** One method at one M, at its best η. */
    public record Run(String method, int workers, double lr, boolean lrOnGridEdge, Interval testAccuracy,
                      Interval testLoss, double meanGap, int diverged) {
    }

    @Override
    public String name() {
        return "async-momentum-methods";
    }

    @Override
    public String description() {
        return "ASGD, heavy ball, NAG-ASGD, nag, DANA, Gap-Aware, DC-ASGD and closed-loop momentum, tuned eta, "
                + "M = 4..32 gamma-timed workers, MLP on optdigits";
    }

    record Method(String name, boolean sgd, IntFunction<OptimizerConfig.Builder> rule,
                  Supplier<StalenessCompensation> compensation) {
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
                new Method("Gap-Aware (heavy ball)", false, m -> OptimizerConfig.builder("momentum").beta(BETA),
                        GapAware::new),
                new Method("DC-ASGD-a 0.5 (heavy ball)", false, m -> OptimizerConfig.builder("momentum").beta(BETA),
                        () -> new DelayCompensation(0.5f, true)),
                new Method("closed-loop (target 0.9)", false,
                        m -> OptimizerConfig.builder("closed-loop").beta(BETA).target(BETA).gain(0.01),
                        () -> StalenessCompensation.NONE));
    }

    static TaskSpec spec(Path data, long seed) {
        return new TaskSpec("mlp", data.toString(), "csv", data.resolveSibling("optdigits.tes").toString(), 0, 0,
                false, -1, "auto", 20_000, 20, 0, 0.1, 0.2, 32, 1, 100, 32, seed, 0.0);
    }

    /** {test accuracy, test loss, mean gap}; loss +inf when the run diverged. */
    static double[] evaluate(Task task, Path data, Method m, int workers, double lr, long updates, long seed,
                             TimeDistribution computeTime) {
        TaskSpec spec = spec(data, seed);
        OptimizerConfig c = m.rule().apply(workers).lr(lr).build();
        GapMeter gaps = new GapMeter();
        try (ParameterServerCore core = InProcessServer.core(c)) {
            core.setCompensation(Compensations.of(List.of(m.compensation().get(), gaps)));
            SimulationConfig config = SimulationConfig.defaults().withComputeTime(computeTime).withSeed(seed * 131L);
            AsyncRuns.Outcome o = AsyncRuns.run(core, workers, r -> task.worker(spec, r, workers), updates, config,
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

    @Override
    public Table run(RunDirectory run) throws IOException {
        boolean quick = run.quick();
        Path data = run.data(DEFAULT_DATA);
        Task task = Tasks.build(spec(data, run.seed()));
        int[] ms = quick ? QUICK_WORKERS : WORKERS;
        long updates = quick ? QUICK_UPDATES : UPDATES;
        long[] seeds = run.seeds(3, 2);
        int n = seeds.length;
        TimeDistribution computeTime = run.computeTime() instanceof TimeDistribution.Exponential
                ? new TimeDistribution.Gamma(2, 0.5) : run.computeTime();
        List<Method> methods = methods();
        double[] momentumLrs = quick ? QUICK_MOMENTUM_LRS : MOMENTUM_LRS;
        double[] sgdLrs = quick ? QUICK_SGD_LRS : SGD_LRS;
        int lrs = momentumLrs.length;
        // cells: the single-worker reference first, then method × M; each over η × seeds
        int per = lrs * n;
        int cells = 1 + methods.size() * ms.length;
        List<double[]> flat = Replicates.map(cells * per, k -> {
            int cell = k / per;
            int l = (k % per) / n;
            long seed = seeds[k % n];
            Method m = cell == 0 ? methods.get(1) : methods.get((cell - 1) / ms.length);
            int workers = cell == 0 ? 1 : ms[(cell - 1) % ms.length];
            double lr = (m.sgd() ? sgdLrs : momentumLrs)[l];
            return evaluate(task, data, m, workers, lr, updates, seed, computeTime);
        });
        Table table = new Table("method", "workers M", "best eta", "test accuracy", "95% interval", "test loss",
                "mean gap", "diverged");
        List<Run> runs = new ArrayList<>();
        for (int cell = 0; cell < cells; cell++) {
            Method m = cell == 0 ? methods.get(1) : methods.get((cell - 1) / ms.length);
            int workers = cell == 0 ? 1 : ms[(cell - 1) % ms.length];
            double[][] loss = new double[lrs][n];
            for (int l = 0; l < lrs; l++) {
                for (int s = 0; s < n; s++) {
                    loss[l][s] = flat.get(cell * per + l * n + s)[1];
                }
            }
            int best = GridBest.of(loss).best();
            double[] acc = new double[n];
            double gap = 0;
            int diverged = 0;
            for (int s = 0; s < n; s++) {
                double[] e = flat.get(cell * per + best * n + s);
                acc[s] = e[0];
                gap += e[2] / n;
                diverged += Double.isFinite(e[1]) ? 0 : 1;
            }
            double lr = (m.sgd() ? sgdLrs : momentumLrs)[best];
            String name = cell == 0 ? "single worker (heavy ball)" : m.name();
            Run r = new Run(name, workers, lr, best == 0 || best == lrs - 1, Interval.of(acc), Interval.of(loss[best]),
                    gap, diverged);
            runs.add(r);
            table.row(name, workers, Table.num(lr) + (r.lrOnGridEdge() ? " (edge)" : ""), r.testAccuracy().format(4),
                    r.testAccuracy().formatRange(), r.testLoss().format(4), Double.isFinite(gap) ? Table.num(gap) : "n/a",
                    diverged + " of " + n);
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
                e[j] = 1.96 * r.testAccuracy().se();
            }
            lines.add(new Plots.Line(methods.get(i).name(), x, y, e));
        }
        Plots.lines(run.file("accuracy.png"), "Test accuracy at the best eta against workers (single worker: "
                + Table.num(runs.get(0).testAccuracy().mean()) + ")", "workers M", "test accuracy", lines, false);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("task", task.description());
        summary.put("updates", updates);
        summary.put("seeds", n);
        summary.put("compute_time", computeTime.toString());
        summary.put("momentum_lrs", momentumLrs);
        summary.put("sgd_lrs", sgdLrs);
        summary.put("runs", runs);
        run.summary(name(), summary);
        run.report("Momentum methods built for asynchrony",
                task.description() + "; minibatch 32, " + updates + " updates in all; M simulated workers with "
                        + computeTime + " compute times. β = " + BETA + " for every momentum method (closed-loop: "
                        + "its starting β and target total); η the best of " + java.util.Arrays.toString(momentumLrs)
                        + " (ASGD: " + java.util.Arrays.toString(sgdLrs) + ") by mean final test loss over " + n
                        + " paired seeds. Test accuracy: mean ± se with 95 % t intervals. Mean gap: the mean of "
                        + "‖θ_apply − θ_computed‖ over the run's gradients, at the best η.",
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
        StringBuilder b = new StringBuilder("One worker reaches ").append(single.testAccuracy().format(4))
                .append(". At M = ").append(high).append(": NAG-ASGD ").append(nag.testAccuracy().format(4))
                .append(", DANA-Zero ").append(dana.testAccuracy().format(4)).append(". ");
        boolean nagFails = nag.diverged() > 0 || nag.testAccuracy().hi() < single.testAccuracy().lo();
        boolean danaNear = dana.diverged() == 0 && dana.testAccuracy().hi() >= single.testAccuracy().lo();
        b.append("\"NAG-ASGD fails at high M while DANA stays near the single-worker accuracy\": ")
                .append(nagFails && danaNear ? "reproduces here" : "does not reproduce here").append(" (NAG-ASGD ")
                .append(nagFails ? "below" : "not below").append(" the single worker's interval, DANA ")
                .append(danaNear ? "overlapping" : "below").append(" it). ");
        Run best = null;
        for (Run r : runs) {
            if (r.workers() == high && r.diverged() == 0
                    && (best == null || r.testAccuracy().mean() > best.testAccuracy().mean())) {
                best = r;
            }
        }
        if (best != null) {
            b.append("Highest mean accuracy at M = ").append(high).append(": ").append(best.method()).append(" (")
                    .append(best.testAccuracy().format(4)).append(", mean gap ").append(Table.num(best.meanGap()))
                    .append(").");
        }
        return b.toString();
    }
}
