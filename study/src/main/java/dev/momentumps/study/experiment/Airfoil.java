package dev.momentumps.study.experiment;

import dev.momentumps.study.report.Plots;
import dev.momentumps.worker.task.GradientTask;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.TaskSpec;
import dev.momentumps.worker.task.Tasks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * D2L §12.6.2 "Practical experiments": linear regression on the NASA airfoil self-noise data, every column
 * (label included) standardised, the first 1500 rows, loss (ŷ − y)²/2, minibatch 10, 2 epochs, heavy-ball
 * momentum with (η, β) ∈ {(0.02, 0.5), (0.01, 0.9), (0.005, 0.9)}; the loss over the whole set every 200
 * examples. Run through the server core with one worker, then with M = 4 and 8 asynchronous workers
 * ({@link RoundRobinWorkers}: equal speeds, staleness M − 1, each worker on its own shard), the same total
 * number of examples.
 */
public final class Airfoil implements Experiment {
    static final Path DEFAULT_DATA = Path.of("..", "shared", "data", "airfoil_self_noise.dat");
    static final double[][] SETTINGS = {{0.02, 0.5}, {0.01, 0.9}, {0.005, 0.9}};
    static final int[] WORKERS = {1, 4, 8};
    static final int ROWS = 1500;
    static final int BATCH = 10;
    static final int EPOCHS = 2;
    static final int EVERY_EXAMPLES = 200;
    static final int SEEDS = 20;
    static final int QUICK_SEEDS = 3;

    /** One run: the setting, the number of workers, the loss at the end and the staleness the core saw. */
    public record Run(double lr, double beta, int workers, double finalLoss, double meanStaleness, double[] epochs,
                      double[] losses) {
    }

    @Override
    public String name() {
        return "airfoil";
    }

    @Override
    public String description() {
        return "D2L momentum on airfoil (linear regression, 1500 rows, batch 10, 2 epochs), 1 and 4/8 async workers";
    }

    static TaskSpec spec(Path data, long seed) {
        return new TaskSpec("linear", data.toString(), "auto", null, 0, ROWS, false, -1, "all", 20_000, 20, 3, 0.1,
                0.2, 64, 1.0, 100.0, BATCH, seed, 0.0);
    }

    /** One run of the recipe with {@code workers} round-robin asynchronous workers. */
    static Run train(Task task, TaskSpec spec, double lr, double beta, int workers) {
        List<GradientTask> sources = new ArrayList<>();
        for (int rank = 0; rank < workers; rank++) {
            sources.add(task.worker(spec, rank, workers));
        }
        long pushes = (long) EPOCHS * task.train().rows() / BATCH;
        long every = EVERY_EXAMPLES / BATCH;
        List<double[]> curve = new ArrayList<>();
        RoundRobinWorkers.Result r = RoundRobinWorkers.run(InProcessServer.momentum(lr, beta), sources, pushes,
                (s, core) -> {
                    if (s % every == 0) {
                        double loss = task.model().loss(core.weights(), task.train());
                        curve.add(new double[] {(double) s * BATCH / task.train().rows(), loss});
                    }
                });
        double[] epochs = new double[curve.size()];
        double[] losses = new double[curve.size()];
        for (int i = 0; i < curve.size(); i++) {
            epochs[i] = curve.get(i)[0];
            losses[i] = curve.get(i)[1];
        }
        double fin = task.model().loss(r.weights(), task.train());
        return new Run(lr, beta, workers, fin, r.meanStaleness(), epochs, losses);
    }

    /**
     * λ_max of the mean loss's Hessian by power iteration; for least squares the Hessian-vector product is
     * exactly ∇L(v) − ∇L(0), taken with the model's own full-batch gradient.
     */
    static double largestEigenvalue(Task task) {
        int n = task.model().layout().numElements();
        int rows = task.train().rows();
        int[] all = new int[rows];
        for (int r = 0; r < rows; r++) {
            all[r] = r;
        }
        float[] zero = new float[n];
        float[] g0 = new float[n];
        task.model().lossAndGradient(zero, task.train(), all, rows, g0);
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        float[] g = new float[n];
        double lambda = 0;
        for (int it = 0; it < 200; it++) {
            task.model().lossAndGradient(v, task.train(), all, rows, g);
            double norm = 0;
            double dot = 0;
            for (int i = 0; i < n; i++) {
                double hv = g[i] - g0[i];
                dot += hv * v[i];
                norm += hv * hv;
            }
            double vv = 0;
            for (float x : v) {
                vv += (double) x * x;
            }
            lambda = dot / vv;
            norm = Math.sqrt(norm);
            for (int i = 0; i < n; i++) {
                v[i] = (float) ((g[i] - g0[i]) / norm);
            }
        }
        return lambda;
    }

    /** Names the settings whose runs ended far above the loss floor (staleness broke them), or says none did. */
    static String failures(List<Run> runs) {
        java.util.Map<String, int[]> bad = new java.util.LinkedHashMap<>();
        for (Run r : runs) {
            String key = "(" + r.lr() + ", " + r.beta() + ") with " + r.workers() + " workers";
            int[] c = bad.computeIfAbsent(key, k -> new int[2]);
            c[1]++;
            if (!(r.finalLoss() < 0.3)) {
                c[0]++;
            }
        }
        List<String> out = new ArrayList<>();
        bad.forEach((k, c) -> {
            if (c[0] > 0) {
                out.add(k + " on " + c[0] + " of " + c[1] + " seeds");
            }
        });
        return out.isEmpty() ? "Every run converged." : "Staleness broke " + String.join("; ", out) + ".";
    }

    /** The mean loss curve over the seeds, with 95 % bars where every seed's loss is finite. */
    static Plots.Line meanCurve(String name, List<Run> reps) {
        int points = reps.get(0).epochs().length;
        double[] y = new double[points];
        double[] err = new double[points];
        for (int i = 0; i < points; i++) {
            double[] v = new double[reps.size()];
            for (int k = 0; k < v.length; k++) {
                v[k] = reps.get(k).losses()[i];
            }
            Interval in = Interval.of(v);
            y[i] = Double.isFinite(in.mean()) && in.mean() < 1e30 ? in.mean() : Double.NaN;
            err[i] = Double.isFinite(in.se()) ? 1.96 * in.se() : 0;
        }
        return new Plots.Line(name, reps.get(0).epochs(), y, err);
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        Path data = run.data(DEFAULT_DATA);
        if (!Files.isReadable(data)) {
            throw new IllegalArgumentException("data: cannot read '" + data + "'; the experiment needs the airfoil "
                    + "file, airfoil_self_noise.dat (in ../shared/data)");
        }
        Task task = Tasks.build(spec(data, run.seed()));
        long[] seeds = run.seeds(SEEDS, QUICK_SEEDS);
        int n = seeds.length;
        double lambdaMax = largestEigenvalue(task);
        Table table = new Table("lr", "beta", "workers", "mean staleness", "final loss (mean ± se)", "95% interval",
                "ended above 0.3");
        List<Run> runs = new ArrayList<>();
        List<String> plots = new ArrayList<>();
        StringBuilder csv = new StringBuilder("lr,beta,workers,seed,epoch,loss\n");
        for (int m : WORKERS) {
            List<Plots.Line> lines = new ArrayList<>();
            for (double[] s : SETTINGS) {
                List<Run> reps = Replicates.map(n, k -> train(task, spec(data, seeds[k]), s[0], s[1], m));
                runs.addAll(reps);
                double[] fin = new double[n];
                int diverged = 0;
                for (int k = 0; k < n; k++) {
                    fin[k] = reps.get(k).finalLoss();
                    diverged += fin[k] < 0.3 ? 0 : 1; // far above the floor of about 0.24
                    Run r = reps.get(k);
                    for (int i = 0; i < r.epochs().length; i++) {
                        csv.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%.4f,%.6f%n", s[0], s[1], m, seeds[k],
                                r.epochs()[i], r.losses()[i]));
                    }
                }
                Interval f = Interval.of(fin);
                table.row(s[0], s[1], m, reps.get(0).meanStaleness(), f.format(4), f.formatRange(), diverged + " of " + n);
                lines.add(meanCurve("lr " + s[0] + ", beta " + s[1], reps));
            }
            String png = "loss-" + m + "-worker" + (m == 1 ? "" : "s") + ".png";
            Plots.lines(run.file(png), "Airfoil, linear regression, momentum, " + m + " worker" + (m == 1 ? "" : "s")
                    + (m == 1 ? "" : " (async, staleness " + (m - 1) + ")") + ": mean of " + n + " seeds, 95% bars",
                    "epoch", "loss over the 1500 rows", lines, true);
            plots.add(png);
        }
        Files.writeString(run.file("loss.csv"), csv);
        table.writeCsv(run.file("results.csv"));
        run.summary(name(), Map.of("data", data.toString(), "task", task.description(), "runs", runs));
        run.report("D2L momentum on the airfoil data, through the parameter server",
                task.description() + ". Linear model ŷ = w·x + b (zero start), loss (ŷ − y)²/2 averaged, "
                        + "minibatch " + BATCH + " drawn from a per-epoch shuffle (" + n + " seeds from " + run.seed()
                        + "; the seed changes only the minibatch order), "
                        + EPOCHS + " epochs in all, heavy-ball momentum v ← βv + g, x ← x − ηv on the server; the "
                        + "loss over all 1500 rows every " + EVERY_EXAMPLES + " examples. With M > 1 workers, each "
                        + "has a contiguous 1/M shard and they push in turn from the weights they pulled M − 1 "
                        + "updates earlier (equal-speed asynchronous workers, deterministic).",
                table,
                "One worker reproduces the book: D2L prints final losses of about 0.243–0.25 for these three "
                        + "settings. Across seeds the final loss moves in its third digit (the ± column), so "
                        + "differences there between settings, or against the book, are minibatch-order noise "
                        + "as much as anything; the rest comes from the initial weights (zeros vs the book's N(0, 0.01²)), and "
                        + "the standardisation statistics (the first 1500 rows vs the book's all 1503). All three "
                        + "settings have effective steps η/(1 − β) within a factor 2.5 (0.04, 0.1, 0.05), which is why they "
                        + "end at similar losses; (0.01, 0.9) has the largest and is the noisiest. With 4 and 8 "
                        + "asynchronous workers the staleness M − 1 adds implicit momentum on top of the explicit β "
                        + "(the loss floor of this linear model is ≈ 0.24, so a run ending near it converged). "
                        + failures(runs) + " The stability map predicts which: the loss's Hessian has largest "
                        + "eigenvalue λ_max = " + Table.fixed(lambdaMax, 3) + " (power iteration on the model's "
                        + "gradients), and with 8 workers (τ = 7) and β = 0.9 the largest stable ηλ is "
                        + Table.fixed(DelayedMomentumRoots.edge(0.9, 7), 4) + " (with 4 workers, τ = 3: "
                        + Table.fixed(DelayedMomentumRoots.edge(0.9, 3), 4) + "), so η = 0.01 (ηλ_max = "
                        + Table.fixed(0.01 * lambdaMax, 4) + ") is unstable at τ = 7 and η = 0.005 is not.",
                plots);
        return table;
    }
}
