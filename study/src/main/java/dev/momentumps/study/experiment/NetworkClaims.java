package dev.momentumps.study.experiment;

import dev.momentumps.study.report.Plots;
import dev.momentumps.study.sim.TimeDistribution;
import dev.momentumps.server.compensation.DelayCompensation;
import dev.momentumps.server.compensation.StalenessAwareLearningRate;
import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.worker.task.Task;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Three claims of the study on real non-convex networks ({@link NetworkTask}: the MLP on optdigits, the CNN
 * on a subset of MNIST) through the simulator, so that staleness is exact and minibatches add noise:
 * <ul>
 *   <li>{@code staleness-lr-mlp}/{@code -cnn} (Zhang et al. 2016): plain SGD with a fixed η against η/τ
 *       ({@link StalenessAwareLearningRate}) as the number of asynchronous workers M grows;</li>
 *   <li>{@code dc-asgd-mlp}/{@code -cnn} (Zheng et al. 2017): sequential SGD, ASGD and DC-ASGD with
 *       constant and adaptive λ ({@link DelayCompensation}) with 16 workers;</li>
 *   <li>{@code adam-vs-momentum-mlp}/{@code -cnn}: heavy ball (β tuned, negative allowed; β = 0 is SGD)
 *       against Adam with exactly τ-stale gradients.</li>
 * </ul>
 * Every method's η (and heavy ball's β) is tuned per row by {@link MomentumVsWorkers#tune} over paired
 * seeds, the grid growing while the winner sits on an η edge; the score is log₁₀ of the final test
 * cross-entropy ({@link MomentumVsWorkers#DIVERGED} for a diverged run), and each method is compared seed
 * by seed with the row's reference method (the first one that runs the row's M workers).
 */
public final class NetworkClaims implements Experiment {

    /** The claim and its experiment name's stem. */
    enum Claim {
        STALENESS_LR("staleness-lr"), DC_ASGD("dc-asgd"), ADAM_VS_MOMENTUM("adam-vs-momentum");

        final String stem;

        Claim(String stem) {
            this.stem = stem;
        }
    }

    /**
     * One method.
     *
     * @param betas     its β grid (one value: β fixed; rules without β ignore it)
     * @param lrs       its η grid
     * @param oneWorker runs on one worker whatever the row's M (sequential SGD)
     */
    record Method(String name, NetworkTask.Rule rule, Supplier<StalenessCompensation> compensation, double[] betas,
                  double[] lrs, boolean oneWorker) {
    }

    /**
     * One claim on one network.
     *
     * @param rows      M per row, or τ per row when {@code delays}
     * @param delays    rows are exact delays τ (one worker, the simulator's fixed-delay mode)
     * @param reference the index of the method every other one is compared with
     */
    record Setting(NetworkTask net, int[] rows, boolean delays, List<Method> methods, int reference, int seeds,
                   int widen) {
    }

    /**
     * One method (or one β of a tuned heavy ball) in one row.
     *
     * @param score       log₁₀ final test loss over the seeds, at its best η (and β)
     * @param vsReference the paired difference of its score to the reference method's (null for the reference)
     * @param diverged    seeds on which the run diverged at that η
     */
    public record Cell(int row, String method, double bestLr, double bestBeta, Interval score, Interval vsReference,
                       int diverged, boolean lrOnEdge, boolean betaOnEdge) {
    }

    private final Claim claim;
    private final boolean cnn;

    NetworkClaims(Claim claim, boolean cnn) {
        this.claim = claim;
        this.cnn = cnn;
    }

    /** The six experiments: each claim on the MLP and on the CNN. */
    static List<Experiment> all() {
        List<Experiment> all = new ArrayList<>();
        for (Claim c : Claim.values()) {
            all.add(new NetworkClaims(c, false));
            all.add(new NetworkClaims(c, true));
        }
        return all;
    }

    @Override
    public String name() {
        return claim.stem + (cnn ? "-cnn" : "-mlp");
    }

    @Override
    public String description() {
        String on = cnn ? " on the MNIST CNN (a subset)" : " on the MLP on optdigits";
        return switch (claim) {
            case STALENESS_LR -> "staleness-lr" + on + ": fixed lr vs lr/tau for async SGD as M grows, lr tuned, test loss";
            case DC_ASGD -> "dc-asgd" + on + ": sequential SGD vs ASGD vs DC-ASGD, 16 workers, lr tuned, test loss";
            case ADAM_VS_MOMENTUM -> "adam-vs-momentum" + on + ": Adam vs heavy ball (beta tuned) with exactly "
                    + "tau-stale gradients, test loss";
        };
    }

    private static final double[] SGD_BETA = {0};
    private static final NetworkTask MLP = new NetworkTask("mlp", 0, 0, 32, 1200);
    private static final NetworkTask MLP_QUICK = new NetworkTask("mlp", 0, 0, 32, 120);
    private static final NetworkTask CNN = new NetworkTask("cnn", 2000, 500, 16, 200);
    private static final NetworkTask CNN_QUICK = new NetworkTask("cnn", 500, 100, 16, 8);

    static Method sgd(String name, double[] lrs, Supplier<StalenessCompensation> compensation, boolean oneWorker) {
        return new Method(name, NetworkTask.SGD, compensation, SGD_BETA, lrs, oneWorker);
    }

    Setting setting(boolean quick) {
        NetworkTask net = cnn ? (quick ? CNN_QUICK : CNN) : (quick ? MLP_QUICK : MLP);
        double[] lrs = cnn ? (quick ? new double[] {0.05} : new double[] {0.05, 0.1, 0.2})
                : quick ? new double[] {0.1, 0.4} : new double[] {0.05, 0.1, 0.2, 0.4, 0.8};
        int seeds = quick ? 2 : cnn ? 5 : 4;
        int widen = quick ? 0 : cnn ? 2 : 3;
        Supplier<StalenessCompensation> none = () -> StalenessCompensation.NONE;
        return switch (claim) {
            case STALENESS_LR -> new Setting(net, quick ? new int[] {4} : cnn ? new int[] {4, 16} : new int[] {4, 16, 32},
                    false, List.of(sgd("SGD, fixed lr", lrs, none, false),
                    sgd("SGD, lr/tau", lrs, StalenessAwareLearningRate::new, false)), 0, seeds, widen);
            case DC_ASGD -> {
                List<Method> m = new ArrayList<>(List.of(sgd("sequential SGD", lrs, none, true),
                        sgd("ASGD", lrs, none, false)));
                if (!cnn) {
                    m.add(sgd("DC-ASGD-c (lambda0 0.04)", lrs, () -> new DelayCompensation(0.04f, false), false));
                }
                if (!quick) {
                    m.add(sgd("DC-ASGD-c (lambda0 1)", lrs, () -> new DelayCompensation(1f, false), false));
                }
                m.add(sgd("DC-ASGD-a (lambda0 2)", lrs, () -> new DelayCompensation(2f, true), false));
                if (!cnn) {
                    m.add(sgd("DC-ASGD-a (lambda0 0.2)", lrs, () -> new DelayCompensation(0.2f, true), false));
                }
                yield new Setting(net, quick ? new int[] {4} : new int[] {16}, false, m, 1, seeds, widen);
            }
            case ADAM_VS_MOMENTUM -> {
                double[] betas = quick ? new double[] {0, 0.9} : new double[] {-0.5, 0, 0.5, 0.9};
                double[] adamLrs = cnn ? (quick ? new double[] {0.001} : new double[] {2.5e-4, 5e-4, 0.001, 0.002, 0.004})
                        : quick ? new double[] {0.002, 0.008} : new double[] {0.001, 0.002, 0.004, 0.008};
                yield new Setting(net, quick ? (cnn ? new int[] {4} : new int[] {0, 4}) : cnn ? new int[] {0, 8}
                        : new int[] {0, 4, 16}, true, List.of(new Method("heavy ball (beta tuned)",
                        NetworkTask.HEAVY_BALL, none, betas, lrs, false),
                        new Method("adam", NetworkTask.ADAM, none, SGD_BETA, adamLrs, false)), 0, seeds,
                        cnn && !quick ? 4 : widen);
            }
        };
    }

    /** The scorer of one method in one row (M workers, or one worker with gradients exactly τ stale). */
    static MomentumVsWorkers.Scorer scorer(Setting s, Method m, int row, Task task, Path data,
                                           TimeDistribution computeTime) {
        return s.net().scorer(task, data, computeTime, m.rule(), m.compensation(), s.delays() ? row : -1);
    }

    /** The workers a method runs with in a row. */
    static int workers(Setting s, Method m, int row) {
        return s.delays() || m.oneWorker() ? 1 : row;
    }

    private static int diverged(double[] scores) {
        int n = 0;
        for (double v : scores) {
            n += v >= MomentumVsWorkers.DIVERGED ? 1 : 0;
        }
        return n;
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        Setting s = setting(run.quick());
        NetworkTask.Loaded loaded = s.net().load(run);
        Task task = loaded.task();
        Path data = loaded.data();
        long[] seeds = run.seeds(s.seeds(), s.seeds());
        TimeDistribution computeTime = run.computeTime();
        String rowName = s.delays() ? "delay tau" : "workers M";
        String ref = s.methods().get(s.reference()).name();
        Table table = new Table(rowName, "method", "its lr", "its beta", "log10 test loss (mean ± se)",
                "vs " + ref + " (paired)", "95% interval", "diverged", "note");
        List<Cell> cells = new ArrayList<>();
        List<String> series = new ArrayList<>();
        List<String> categories = new ArrayList<>();
        for (int row : s.rows()) {
            categories.add((s.delays() ? "tau = " : "M = ") + row);
            List<MomentumVsWorkers.Run> tuned = new ArrayList<>();
            for (Method m : s.methods()) {
                tuned.add(MomentumVsWorkers.tune(workers(s, m, row), m.betas(), m.lrs(), seeds,
                        scorer(s, m, row, task, data, computeTime), s.widen()));
            }
            double[] refScores = tuned.get(s.reference()).bestSeedScores();
            for (int i = 0; i < tuned.size(); i++) {
                Method m = s.methods().get(i);
                MomentumVsWorkers.Run r = tuned.get(i);
                List<Cell> mine = new ArrayList<>();
                double[] best = r.bestSeedScores();
                mine.add(new Cell(row, m.name(), r.bestLr(), r.bestBeta(), Interval.of(best),
                        i == s.reference() ? null : Interval.paired(best, refScores), diverged(best), r.lrOnEdge(),
                        r.betaOnEdge()));
                if (r.betas().length > 1) {
                    for (double b : new double[] {0, 0.9}) {
                        int k = MomentumVsWorkers.indexOf(r.betas(), b);
                        if (k >= 0 && b != r.bestBeta()) {
                            double[] at = r.seedScores()[k];
                            mine.add(new Cell(row, m.name().replaceFirst(" \\(.*", "") + ", beta " + Table.num(b)
                                    + (b == 0 ? " (SGD)" : ""), r.bestLrPerBeta()[k], b, Interval.of(at),
                                    Interval.paired(at, refScores), diverged(at), false, false));
                        }
                    }
                }
                for (Cell c : mine) {
                    cells.add(c);
                    if (!series.contains(c.method())) {
                        series.add(c.method());
                    }
                    String note = (c.lrOnEdge() ? "lr on grid edge" : "") + (c.betaOnEdge() ? (c.lrOnEdge() ? "; " : "")
                            + "beta on grid edge" : "");
                    table.row(row, c.method(), c.bestLr(), c.bestBeta(), Table.fixed(c.score().mean(), 3) + " ± "
                                    + Table.num(c.score().se()), c.vsReference() == null ? "" : c.vsReference().format(3),
                            c.vsReference() == null ? "" : c.vsReference().formatRange(),
                            c.diverged() + " of " + seeds.length, note);
                }
            }
        }
        table.writeCsv(run.file("results.csv"));
        List<double[]> means = new ArrayList<>();
        List<double[]> errs = new ArrayList<>();
        for (String m : series) {
            double[] mean = new double[s.rows().length];
            double[] err = new double[s.rows().length];
            Arrays.fill(mean, Double.NaN);
            for (Cell c : cells) {
                if (c.method().equals(m)) {
                    int k = indexOf(s.rows(), c.row());
                    mean[k] = c.score().mean();
                    err[k] = Double.isFinite(c.score().se()) ? 1.96 * c.score().se() : 0;
                }
            }
            means.add(mean);
            errs.add(err);
        }
        Plots.bars(run.file("test-loss.png"), "log10 final test loss at each method's best lr, mean and 95% "
                + "interval over " + seeds.length + " seeds", s.delays() ? "staleness" : "asynchronous workers",
                "log10 test loss", categories, series, means, errs);
        Map<String, Object> summary = s.net().summary(task, seeds.length);
        summary.put("cells", cells);
        run.summary(name(), summary);
        StringBuilder grids = new StringBuilder();
        for (Method m : s.methods()) {
            grids.append(grids.length() == 0 ? "" : "; ").append(m.name()).append(": η over ")
                    .append(Arrays.toString(m.lrs())).append(m.betas().length > 1 ? " for β in "
                            + Arrays.toString(m.betas()) : "").append(m.oneWorker() ? " (one worker)" : "");
        }
        run.report(title(), s.net().describe(task) + "; " + setup(s, computeTime) + " Grids: " + grids + " (η grows "
                        + "at most " + s.widen() + " times while the winner is on its edge). Score: log₁₀ of the "
                        + "final test cross-entropy (" + MomentumVsWorkers.DIVERGED + " for a diverged run), mean ± "
                        + "standard error over " + seeds.length + " paired seeds (each seed draws the minibatches and "
                        + "the schedule); \"vs " + ref + "\": the mean paired difference to it on the same seeds, "
                        + "with its 95 % interval (negative: lower loss than " + ref + ").",
                table, findings(s, cells), List.of("test-loss.png"));
        return table;
    }

    private String title() {
        String on = cnn ? " on the MNIST CNN" : " on the MLP";
        return switch (claim) {
            case STALENESS_LR -> "Staleness-aware learning rate (Zhang et al. 2016)" + on;
            case DC_ASGD -> "Delay-compensated ASGD (Zheng et al. 2017)" + on;
            case ADAM_VS_MOMENTUM -> "Adam vs heavy-ball momentum under staleness" + on;
        };
    }

    private String setup(Setting s, TimeDistribution computeTime) {
        return switch (claim) {
            case STALENESS_LR -> "plain SGD in the real server core, M simulated asynchronous workers with "
                    + computeTime + " compute times; \"lr/tau\" applies a gradient of staleness τ > 1 with η/τ "
                    + "(the server's `--staleness-lr`), each method with its own tuned η.";
            case DC_ASGD -> "plain SGD in the real server core; sequential SGD on one worker, the others with M "
                    + "simulated asynchronous workers with " + computeTime + " compute times. DC-ASGD: g̃ = g + "
                    + "λ·g⊙g⊙(w_t − w_bak(m)), constant λ = λ₀ or adaptive λ = λ₀/√(MeanSquare(g) + ε); each "
                    + "method with its own tuned η.";
            case ADAM_VS_MOMENTUM -> "one worker whose every gradient is exactly τ updates stale (the simulator's "
                    + "fixed-delay mode, the real core); heavy ball with η and β tuned jointly (β = 0 is SGD; its "
                    + "β = 0 and β = 0.9 rows are the same runs at their own best η), Adam (β₁ 0.9, β₂ 0.999) "
                    + "with η tuned.";
        };
    }

    /** What the table says, from its numbers: each row's best method and every comparison with the reference. */
    static String findings(Setting s, List<Cell> cells) {
        StringBuilder b = new StringBuilder();
        String ref = s.methods().get(s.reference()).name();
        boolean edges = false;
        for (int row : s.rows()) {
            Cell best = null;
            for (Cell c : cells) {
                if (c.row() == row && (best == null || c.score().mean() < best.score().mean())) {
                    best = c;
                }
                edges |= c.row() == row && (c.lrOnEdge() || c.betaOnEdge());
            }
            b.append(s.delays() ? "τ = " : "M = ").append(row).append(": lowest mean ").append(best.method())
                    .append(" (").append(Table.fixed(best.score().mean(), 3)).append(", η ").append(Table.num(best.bestLr()))
                    .append(best.method().contains("tuned") ? ", β " + Table.num(best.bestBeta()) : "").append(")");
            for (Cell c : cells) {
                if (c.row() != row || c.vsReference() == null) {
                    continue;
                }
                Interval d = c.vsReference();
                b.append("; ").append(c.method()).append(' ');
                if (d.n() > 1 && d.hi() < 0) {
                    b.append("lower than ").append(ref).append(" by ").append(Table.num(-d.mean()));
                } else if (d.n() > 1 && d.lo() > 0) {
                    b.append("higher than ").append(ref).append(" by ").append(Table.num(d.mean()));
                } else {
                    b.append("not distinguishable from ").append(ref);
                }
                b.append(" (").append(d.formatRange()).append(')');
                if (c.diverged() > 0) {
                    b.append(", diverged on ").append(c.diverged()).append(" seeds");
                }
            }
            b.append(". ");
        }
        b.append(edges ? "Some winners sit on an edge of their η grid (see \"note\"); a wider grid might move them."
                : "No winner sits on an edge of its η grid.");
        return b.toString();
    }

    private static int indexOf(int[] values, int v) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == v) {
                return i;
            }
        }
        return -1;
    }
}
