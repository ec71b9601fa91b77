package dev.momentumps.cli.experiment;

import dev.momentumps.cli.report.Plots;
import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.worker.data.DenseDataset;
import dev.momentumps.worker.model.QuadraticModel;
import dev.momentumps.worker.task.GradientTask;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Adam vs heavy-ball momentum (and plain SGD for reference) under growing staleness: the simulator's
 * fixed-delay mode makes every gradient exactly τ updates stale, τ ∈ {0, 1, 2, 4, 8, 16}, on the
 * ill-conditioned quadratic f(x) = ½ Σ λᵢxᵢ² (10 eigenvalues geometric in [0.01, 1], κ = 100) from all
 * ones. For each rule and τ the learning rate is the best of a grid; the score is log₁₀ f after the
 * updates. Heavy ball's stable step shrinks sharply with τ (stability-map); Adam's per-coordinate step is
 * bounded by about its learning rate whatever the gradient's size.
 */
public final class AdamVsMomentum implements Experiment {
    static final int[] DELAYS = {0, 1, 2, 4, 8, 16};
    static final double[] LRS = {0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0};
    static final long UPDATES = 500;
    static final double DIVERGED = 30;

    /** One rule at one delay: the best score and its learning rate. */
    public record Cell(String rule, int delay, double log10Loss, double bestLr) {
    }

    @Override
    public String name() {
        return "adam-vs-momentum";
    }

    @Override
    public String description() {
        return "Adam vs heavy ball (and SGD) with exactly tau-stale gradients, tau up to 16, best lr per cell";
    }

    static OptimizerConfig config(String rule, double lr) {
        return switch (rule) {
            case "momentum" -> InProcessServer.momentum(lr, 0.9);
            case "adam" -> OptimizerConfig.builder("adam").lr(lr).build();
            default -> InProcessServer.sgd(lr);
        };
    }

    /** log₁₀ f(x_T) for the rule at this lr and delay (capped at {@link #DIVERGED}). */
    static double score(String rule, double lr, int delay) {
        QuadraticModel model = QuadraticModel.geometric(10, 0.01, 1);
        AsyncRuns.Outcome o = AsyncRuns.run(config(rule, lr), StalenessCompensation.NONE, 1,
                r -> new GradientTask(model, DenseDataset.featureless(1), 0, 1, 1, 0, 0), UPDATES, 0, delay);
        double loss = o.diverged() ? Double.POSITIVE_INFINITY : model.loss(o.weights(), null);
        return Double.isFinite(loss) ? Math.min(DIVERGED, Math.log10(Math.max(loss, 1e-30))) : DIVERGED;
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        String[] rules = {"momentum", "adam", "sgd"};
        Table table = new Table("delay tau", "momentum(b=0.9) log10 loss", "its lr", "adam log10 loss", "its lr",
                "sgd log10 loss", "its lr");
        List<Cell> cells = new ArrayList<>();
        List<Plots.Line> lines = new ArrayList<>();
        double[][] scores = new double[rules.length][DELAYS.length];
        double[] taus = new double[DELAYS.length];
        for (int d = 0; d < DELAYS.length; d++) {
            taus[d] = DELAYS[d];
            List<Object> row = new ArrayList<>(List.of(DELAYS[d]));
            for (int k = 0; k < rules.length; k++) {
                double best = Double.POSITIVE_INFINITY;
                double bestLr = Double.NaN;
                for (double lr : LRS) {
                    double s = score(rules[k], lr, DELAYS[d]);
                    if (s < best) {
                        best = s;
                        bestLr = lr;
                    }
                }
                scores[k][d] = best;
                cells.add(new Cell(rules[k], DELAYS[d], best, bestLr));
                row.add(best >= DIVERGED ? "diverged" : Table.fixed(best, 2));
                row.add(bestLr);
            }
            table.row(row.toArray());
        }
        for (int k = 0; k < rules.length; k++) {
            lines.add(new Plots.Line(rules[k], taus, scores[k]));
        }
        table.writeCsv(run.file("results.csv"));
        Plots.lines(run.file("loss-vs-delay.png"), "Best log10 loss after " + UPDATES + " updates vs staleness "
                + "(kappa 100 quadratic)", "staleness tau", "log10 final loss (best lr)", lines, false);
        run.summary(name(), Map.of("updates", UPDATES, "lrs", LRS, "cells", cells));
        run.report("Adam vs heavy-ball momentum under staleness",
                "Exactly τ-stale gradients (the simulator's fixed-delay mode, the real core) on f(x) = ½ Σ λᵢxᵢ², "
                        + "10 eigenvalues geometric in [0.01, 1], from all ones, " + UPDATES + " updates. Heavy "
                        + "ball β = 0.9; Adam β₁ = 0.9, β₂ = 0.999, ε = 1e-8; SGD. Each cell is the best "
                        + "learning rate of " + java.util.Arrays.toString(LRS) + ".",
                table,
                "Without staleness heavy ball and Adam both drive the loss to the float32 floor within "
                        + UPDATES + " updates while SGD is far behind (κ = 100). One step of staleness is enough "
                        + "to take heavy ball's advantage away: its stable range drops from ηλ < 2 + 2β to "
                        + "ηλ < 1 − β (stability-map), its best learning rate falls tenfold, and from τ = 1 on it "
                        + "does no better than plain SGD at SGD's own best rate. Adam degrades far more "
                        + "gracefully: it divides each coordinate's step by that coordinate's gradient RMS, so its "
                        + "step is bounded by about its learning rate whatever the delay (staleness makes it "
                        + "oscillate rather than blow up), and on this axis-aligned quadratic that rescaling also "
                        + "removes the ill-conditioning. That last point flatters Adam: the problem's curvature is "
                        + "diagonal in the parameter coordinates, the best case for a per-coordinate method; on a "
                        + "rotated quadratic the gap would be smaller.",
                List.of("loss-vs-delay.png"));
        return table;
    }
}
