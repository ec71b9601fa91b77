package dev.momentumps.cli.experiment;

import dev.momentumps.cli.report.Plots;
import dev.momentumps.server.compensation.DelayCompensation;
import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.TaskSpec;
import dev.momentumps.worker.task.Tasks;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Zheng, Meng, Wang, Chen, Yu, Ma, Liu, "Asynchronous Stochastic Gradient Descent with Delay Compensation"
 * (ICML 2017): sequential SGD (one worker), ASGD with 16 simulated workers (Exp(1) compute times), and
 * DC-ASGD with constant λ (λ₀ = 0.04, the paper's CIFAR-10 value, and 1) and adaptive λ (λ₀ = 2, the
 * paper's, and 0.2), on logistic regression (synthetic, 20 features), the same large η (where staleness
 * costs ASGD) and the same number of updates. DC-ASGD corrects each
 * gradient with g + λ·g⊙g⊙(w_t − w_bak), a diagonal outer-product approximation of the Hessian
 * ({@link DelayCompensation}).
 */
public final class DcAsgd implements Experiment {
    static final int WORKERS = 16;
    static final double LR = 4.0;
    static final long UPDATES = 3000;
    static final int SEEDS = 3;

    /** One method: final training loss and test accuracy (means over schedule seeds), mean staleness. */
    public record Run(String method, int workers, double finalLoss, double testAccuracy, double meanStaleness) {
    }

    @Override
    public String name() {
        return "dc-asgd";
    }

    @Override
    public String description() {
        return "Zheng et al. 2017: sequential SGD vs ASGD vs DC-ASGD (constant, adaptive) on logistic regression, 16 workers";
    }

    static TaskSpec spec(long seed) {
        return new TaskSpec("logistic", TaskSpec.SYNTHETIC, "auto", null, 0, 0, false, -1, "auto", 10_000, 20, 3, 0.1,
                0.2, 16, 1, 100, 32, seed, 0.0);
    }

    /** Means over schedule seeds: {final training loss, test accuracy, mean staleness}. */
    static double[] evaluate(Task task, TaskSpec spec, int workers, Supplier<StalenessCompensation> compensation,
                             long seed) {
        double loss = 0;
        double acc = 0;
        double stale = 0;
        for (int s = 0; s < SEEDS; s++) {
            AsyncRuns.Outcome o = AsyncRuns.run(InProcessServer.sgd(LR), compensation.get(), workers,
                    r -> task.worker(spec, r, workers), UPDATES, seed * 131L + s, -1);
            if (o.diverged()) {
                return new double[] {Double.POSITIVE_INFINITY, Double.NaN, Double.NaN};
            }
            loss += task.model().loss(o.weights(), task.train()) / SEEDS;
            acc += task.model().accuracy(o.weights(), task.test()) / SEEDS;
            stale += o.meanStaleness() / SEEDS;
        }
        return new double[] {loss, acc, stale};
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        TaskSpec spec = spec(run.seed());
        Task task = Tasks.build(spec);
        Table table = new Table("method", "workers", "mean staleness", "final train loss", "test accuracy",
                "gap to sequential closed");
        List<Run> runs = new ArrayList<>();
        record Method(String name, int workers, Supplier<StalenessCompensation> compensation) {
        }
        List<Method> methods = List.of(new Method("sequential SGD", 1, () -> StalenessCompensation.NONE),
                new Method("ASGD", WORKERS, () -> StalenessCompensation.NONE),
                new Method("DC-ASGD-c (lambda0 0.04)", WORKERS, () -> new DelayCompensation(0.04f, false)),
                new Method("DC-ASGD-c (lambda0 1)", WORKERS, () -> new DelayCompensation(1f, false)),
                new Method("DC-ASGD-a (lambda0 2)", WORKERS, () -> new DelayCompensation(2f, true)),
                new Method("DC-ASGD-a (lambda0 0.2)", WORKERS, () -> new DelayCompensation(0.2f, true)));
        double[] x = new double[methods.size()];
        double[] y = new double[methods.size()];
        for (int i = 0; i < methods.size(); i++) {
            Method m = methods.get(i);
            double[] e = evaluate(task, spec, m.workers(), m.compensation(), run.seed());
            runs.add(new Run(m.name(), m.workers(), e[0], e[1], e[2]));
            x[i] = i;
            y[i] = e[0];
            // the fraction of ASGD's excess loss over sequential SGD that the method removes
            String closed = i < 2 ? "" : Double.isFinite(e[0]) ? Math.round(100 * (y[1] - e[0]) / (y[1] - y[0])) + " %"
                    : "diverged";
            table.row(m.name(), m.workers(), e[2], Double.isFinite(e[0]) ? Table.fixed(e[0], 5) : "diverged",
                    Table.fixed(e[1], 4), closed);
        }
        table.writeCsv(run.file("results.csv"));
        Plots.lines(run.file("final-loss.png"), "Final training loss: 0 sequential, 1 ASGD, 2-3 DC-ASGD-c, 4-5 DC-ASGD-a",
                "method", "final training loss", List.of(new Plots.Line("final loss", x, y)), false);
        run.summary(name(), Map.of("task", task.description(), "lr", LR, "updates", UPDATES, "runs", runs));
        run.report("Delay-compensated ASGD (Zheng et al. 2017)",
                task.description() + "; plain SGD η = " + LR + ", minibatch 32, " + UPDATES + " updates in all; "
                        + WORKERS + " simulated workers with Exp(1) compute times (each on its shard) for the "
                        + "asynchronous methods. DC-ASGD: g̃ = g + λ·g⊙g⊙(w_t − w_bak(m)), w_bak(m) the weights "
                        + "last sent to worker m; constant λ = λ₀ or adaptive λ = λ₀/√(MeanSquare(g) + ε) per "
                        + "element (decay 0.95). Mean over " + SEEDS + " schedule seeds.",
                table,
                "ASGD with 16 workers (mean staleness ≈ 15) ends above sequential SGD at this large η; "
                        + "\"gap closed\" is the fraction of that excess loss a DC-ASGD variant removes. The "
                        + "correction is λ·g⊙g⊙(w_t − w_bak) per element, and logistic-regression gradients are "
                        + "small per element, so the paper's constant λ₀ = 0.04 barely changes anything; a larger "
                        + "constant (1) or the adaptive variant, which divides λ by the gradient's RMS, recovers "
                        + "much of the gap. The paper's adaptive λ₀ = 2 diverges here: MeanSquare starts at 0, so "
                        + "in the first updates λ ≈ λ₀/(√0.05·|g|) ≈ 9/|g| and the correction outweighs the "
                        + "gradient (the paper tuned λ₀ for deep networks, not for this problem and "
                        + "η = " + LR + "). Test accuracy hardly moves: on this synthetic task all runs sit "
                        + "near the Bayes rate, and the loss is the sharper measure.",
                List.of("final-loss.png"));
        return table;
    }
}
