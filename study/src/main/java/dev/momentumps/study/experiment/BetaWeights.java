package dev.momentumps.study.experiment;

import dev.momentumps.study.report.Plots;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * D2L §12.6.1 "Leaky averages": heavy-ball momentum's velocity is v_t = Σ_τ βᵗ g_{t−τ}, so a gradient
 * weighs βᵗ after t more steps and the weights sum to 1/(1−β), the "effective sample size". Measured, not
 * computed: one gradient impulse (g = 1 once, then 0) through the server core with η = 1; the step the
 * weights take t updates later is exactly the impulse's weight in the velocity then.
 */
public final class BetaWeights implements Experiment {
    static final double[] BETAS = {0.95, 0.9, 0.6, 0};
    static final int STEPS = 40;

    /** One β: measured weights w_t (t = 0 … 39), their sum, and the theory. */
    public record Run(double beta, double[] weights, double sum, double predictedSum, double effectiveSamples) {
    }

    @Override
    public String name() {
        return "beta-weights";
    }

    @Override
    public String description() {
        return "D2L leaky averages: the weight beta^t momentum gives a gradient t steps old, beta in {0.95,0.9,0.6,0}";
    }

    /** The measured weight of a gradient after t = 0 … steps−1 further updates, for heavy ball with β. */
    static double[] weights(double beta, int steps) {
        double[] x = new double[steps + 1];
        DelayedWorker.run(InProcessServer.momentum(1.0, beta), new ImpulseGradient(), steps, 0, (t, w) -> {
            x[(int) t] = w[0];
            return true;
        });
        double[] weights = new double[steps];
        for (int t = 0; t < steps; t++) {
            weights[t] = x[t] - x[t + 1]; // x ← x − η·v with η = 1, v_{t+1} = βᵗ·1
        }
        return weights;
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        Table table = new Table("beta", "w_1", "w_5", "w_10", "w_20", "beta^20", "sum over 40", "(1-b^40)/(1-b)", "1/(1-b)",
                "max |w_t - b^t|");
        List<Run> runs = new ArrayList<>();
        List<Plots.Line> lines = new ArrayList<>();
        StringBuilder csv = new StringBuilder("t");
        for (double b : BETAS) {
            csv.append(",beta_").append(b);
        }
        csv.append('\n');
        double[][] all = new double[BETAS.length][];
        double[] t = new double[STEPS];
        for (int i = 0; i < STEPS; i++) {
            t[i] = i;
        }
        for (int k = 0; k < BETAS.length; k++) {
            double b = BETAS[k];
            double[] w = weights(b, STEPS);
            all[k] = w;
            double sum = 0;
            double err = 0;
            for (int i = 0; i < STEPS; i++) {
                sum += w[i];
                err = Math.max(err, Math.abs(w[i] - Math.pow(b, i)));
            }
            double predicted = b == 0 ? 1 : (1 - Math.pow(b, STEPS)) / (1 - b);
            runs.add(new Run(b, w, sum, predicted, 1 / (1 - b)));
            table.row(b, w[1], w[5], w[10], w[20], Math.pow(b, 20), sum, predicted, 1 / (1 - b), err);
            lines.add(new Plots.Line("beta = " + b, t, w));
        }
        for (int i = 0; i < STEPS; i++) {
            csv.append(i);
            for (double[] w : all) {
                csv.append(',').append(w[i]);
            }
            csv.append('\n');
        }
        java.nio.file.Files.writeString(run.file("weights.csv"), csv);
        Plots.lines(run.file("beta-weights.png"), "Weight of a gradient t steps old in the momentum velocity",
                "t (updates since the gradient)", "weight", lines, false);
        run.summary(name(), Map.of("runs", runs));
        run.report("Leaky averages: how far back momentum remembers",
                "Heavy-ball momentum (v ← βv + g, x ← x − ηv) with η = 1 on one coordinate, through the server "
                        + "core. One gradient of 1, then zeros; the weight w_t is the step x_t − x_{t+1}, which "
                        + "equals the impulse's weight in the velocity t updates after it arrived. " + STEPS
                        + " steps per β.",
                table,
                "The measured weights are βᵗ to float32 rounding (last column: the steps are differences of "
                        + "float32 positions of size up to 1/(1 − β), so weights below ~10⁻⁶ are not resolved), "
                        + "and they sum to "
                        + "(1 − β⁴⁰)/(1 − β) over 40 steps, which tends to 1/(1 − β): momentum with β = 0.9 "
                        + "averages about the last 10 gradients, β = 0.95 about 20 (" + Table.num((1 - Math.pow(0.95, 40)) / 0.05)
                        + " of its 20 fall within 40 steps), β = 0 only the current one. This is why momentum's step is ~1/(1 − β) times "
                        + "a gradient step once the gradients agree, and why it can keep moving on gradients that "
                        + "are long out of date.",
                List.of("beta-weights.png"));
        return table;
    }
}
