package dev.momentumps.study.experiment;

import dev.momentumps.study.report.Plots;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.worker.data.DenseDataset;
import dev.momentumps.worker.model.QuadraticModel;
import dev.momentumps.worker.task.GradientTask;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * D2L §12.6 "Momentum", the ill-conditioned 2-D quadratic f(x) = 0.1·x₁² + 2·x₂² = ½(0.2·x₁² + 4·x₂²) from
 * (−5, −2), 20 steps: gradient descent with η = 0.4 (slow along x₁) and η = 0.6 (diverges along x₂, since
 * η·4 > 2), then heavy-ball momentum v ← βv + g, x ← x − ηv with (η, β) = (0.6, 0.5) and (0.6, 0.25), which
 * converges at η = 0.6 because the stable range grows to ηλ < 2 + 2β. Gradient descent is the momentum rule
 * with β = 0, run through the same server core.
 */
public final class D2lQuadratic implements Experiment {
    static final double[] LAMBDAS = {0.2, 4.0};
    static final float[] START = {-5f, -2f};
    static final int STEPS = 20;

    /** One of the four runs. */
    public record Run(String rule, double lr, double beta, double x1, double x2) {
    }

    /** The settings, in the book's order: rule name as the CLI spells it, η, β. */
    static final List<Object[]> SETTINGS = List.of(
            new Object[] {"sgd", 0.4, 0.0}, new Object[] {"sgd", 0.6, 0.0},
            new Object[] {"momentum", 0.6, 0.5}, new Object[] {"momentum", 0.6, 0.25});

    /** D2L's printed results (PyTorch/NumPy in double precision), for the report. */
    static final String[] BOOK = {"-0.943467, -0.000073", "-0.387814, -1673.365109", "0.007188, 0.002553",
            "-0.126340, -0.186632"};

    @Override
    public String name() {
        return "d2l-quadratic";
    }

    @Override
    public String description() {
        return "D2L momentum chapter: f = 0.1x1^2 + 2x2^2 from (-5,-2), 20 steps of GD (lr 0.4, 0.6) and momentum";
    }

    /** Runs one setting and returns the 21 points x₀ … x₂₀, each {x₁, x₂}. */
    static List<double[]> trajectory(String rule, double lr, double beta) {
        OptimizerConfig config = rule.equals("sgd") ? InProcessServer.sgd(lr) : InProcessServer.momentum(lr, beta);
        GradientTask worker = new GradientTask(new QuadraticModel(LAMBDAS, START), DenseDataset.featureless(1),
                0, 1, 1, 0, 0);
        List<double[]> points = new ArrayList<>();
        DelayedWorker.run(config, worker, STEPS, 0, (t, x) -> points.add(new double[] {x[0], x[1]}));
        return points;
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        Table table = new Table("rule", "lr", "beta", "x1", "x2", "D2L book (x1, x2)");
        List<Run> runs = new ArrayList<>();
        StringBuilder csv = new StringBuilder("rule,lr,beta,step,x1,x2\n");
        List<String> plots = new ArrayList<>();
        for (int i = 0; i < SETTINGS.size(); i++) {
            String rule = (String) SETTINGS.get(i)[0];
            double lr = (Double) SETTINGS.get(i)[1];
            double beta = (Double) SETTINGS.get(i)[2];
            List<double[]> path = trajectory(rule, lr, beta);
            double[] last = path.get(path.size() - 1);
            runs.add(new Run(rule, lr, beta, last[0], last[1]));
            table.row(rule, lr, beta, Table.fixed(last[0], 6), Table.fixed(last[1], 6), BOOK[i]);
            for (int t = 0; t < path.size(); t++) {
                csv.append(String.format(Locale.ROOT, "%s,%s,%s,%d,%.9g,%.9g%n", rule, lr, beta, t, path.get(t)[0],
                        path.get(t)[1]));
            }
            String png = String.format(Locale.ROOT, "trajectory-%s-lr%s-beta%s.png", rule, lr, beta);
            plot(run, png, rule, lr, beta, path);
            plots.add(png);
        }
        java.nio.file.Files.writeString(run.file("trajectories.csv"), csv);
        table.writeCsv(run.file("results.csv"));
        run.summary(name(), Map.of("runs", runs));
        run.report("D2L momentum: the ill-conditioned quadratic",
                "f(x) = 0.1·x₁² + 2·x₂² (eigenvalues 0.2 and 4), start (−5, −2), " + STEPS + " steps through the "
                        + "parameter server core (asynchronous, one worker, so no staleness). `sgd` is x ← x − η∇f; "
                        + "`momentum` is heavy ball v ← βv + ∇f, x ← x − ηv (v₀ = 0), D2L's formulation. "
                        + "Weights are float32 on the server.",
                table,
                "Gradient descent with η = 0.4 is stable along both axes but crawls along x₁ (factor 1 − 0.4·0.2 = "
                        + "0.92 per step, so x₁ = −5·0.92²⁰ ≈ −0.943). η = 0.6 makes the x₂ factor 1 − 0.6·4 = −1.4: "
                        + "|x₂| grows 1.4²⁰ ≈ 837-fold. Momentum at the same η = 0.6 converges in both coordinates "
                        + "because its stable range is 0 < ηλ < 2 + 2β (2.4 < 3 for β = 0.5, 2.4 < 2.5 for β = 0.25); "
                        + "β = 0.25 is barely stable along x₂ and is still far from the minimum after 20 steps. "
                        + "The numbers agree with the book's printout to about 6 significant digits; the last "
                        + "digits differ because the server keeps weights and velocity in float32 while the book "
                        + "computes in float64 (this shows most in the diverging run, x₂ ≈ −1673.4).",
                plots);
        return table;
    }

    /** The shared frame of the trajectory plots: x₁ ∈ [−6, 6], x₂ ∈ [−3, 3]. */
    static final double FRAME_X1 = 6;
    static final double FRAME_X2 = 3;

    private static void plot(RunDirectory run, String png, String rule, double lr, double beta, List<double[]> path)
            throws IOException {
        // level sets f = c as closed ellipses x₁ = √(c/0.1)·cos θ, x₂ = √(c/2)·sin θ
        List<Plots.Line> levels = new ArrayList<>();
        for (double c : new double[] {0.05, 0.25, 1, 2.5, 5, 10.5}) {
            int k = 120;
            double[] xs = new double[k + 1];
            double[] ys = new double[k + 1];
            for (int j = 0; j <= k; j++) {
                double th = 2 * Math.PI * j / k;
                xs[j] = Math.sqrt(c / 0.1) * Math.cos(th);
                ys[j] = Math.sqrt(c / 2) * Math.sin(th);
            }
            levels.add(new Plots.Line("f=" + c, xs, ys));
        }
        // every panel shares one frame with equal scales; a diverging path is drawn until it leaves it
        int shown = 0;
        while (shown < path.size() && Math.abs(path.get(shown)[1]) <= FRAME_X2 && Math.abs(path.get(shown)[0]) <= FRAME_X1) {
            shown++;
        }
        shown = Math.min(path.size(), shown + 1);
        double[] xs = new double[shown];
        double[] ys = new double[shown];
        for (int j = 0; j < shown; j++) {
            xs[j] = path.get(j)[0];
            ys[j] = path.get(j)[1];
        }
        String label = rule.equals("sgd") ? "gradient descent, lr " + lr : "momentum, lr " + lr + ", beta " + beta;
        String title = "f = 0.1 x1^2 + 2 x2^2: " + label
                + (shown < path.size() ? " (diverges; first " + shown + " points shown)" : "");
        Plots.paths(run.file(png), title, "x1", "x2", levels, List.of(new Plots.Line(label, xs, ys)),
                new double[] {-FRAME_X1, FRAME_X1}, new double[] {-FRAME_X2, FRAME_X2});
    }
}
