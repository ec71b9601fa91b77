package dev.momentumps.study.experiment;

import dev.momentumps.study.sim.TimeDistribution;
import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.worker.data.IdxLoader;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.TaskSpec;
import dev.momentumps.worker.task.Tasks;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link MomentumVsWorkers} on real non-convex networks: the MLP (64-32-10, tanh) on optdigits
 * ({@code momentum-vs-workers-mlp}) and the CNN of {@code python/examples/mnist_cnn.py} on MNIST
 * ({@code momentum-vs-workers-cnn}). Heavy ball with negative β allowed runs in the real server core with M
 * simulated asynchronous workers (so staleness is exact), each drawing its own seeded minibatches from its
 * shard; η and β are tuned jointly over a grid that grows while the winner sits on an η edge or at the top
 * β (at most {@code widen} times), and the score is log₁₀ of the final test cross-entropy (a diverged run
 * scores {@link MomentumVsWorkers#DIVERGED}), over paired seeds. The CNN runs on a subset of MNIST and fewer
 * updates so that the grid fits a few minutes on two cores; the report says how many.
 */
public final class NetworkMomentumVsWorkers implements Experiment {

    /**
     * One network's settings.
     *
     * @param trainRows  training examples (0: the whole training file)
     * @param testRows   test examples scored at the end
     */
    record Setting(String model, int trainRows, int testRows, int batch, long updates, int[] workers, double[] betas,
                   double[] lrs, int seeds, int widen) {
    }

    static final Setting MLP = new Setting("mlp", 0, 0, 32, 1200, new int[] {1, 4, 16},
            new double[] {-0.6, -0.3, 0, 0.3, 0.6, 0.9}, new double[] {0.025, 0.05, 0.1, 0.2, 0.4}, 4, 3);
    static final Setting MLP_QUICK = new Setting("mlp", 0, 0, 32, 120, new int[] {1, 4},
            new double[] {0, 0.6, 0.9}, new double[] {0.05, 0.2}, 2, 1);
    static final Setting CNN = new Setting("cnn", 2000, 500, 16, 100, new int[] {1, 4, 16},
            new double[] {-0.3, 0, 0.5, 0.9}, new double[] {0.025, 0.05, 0.1}, 2, 1);
    static final Setting CNN_QUICK = new Setting("cnn", 1000, 200, 16, 16, new int[] {1, 4},
            new double[] {0, 0.9}, new double[] {0.05}, 2, 0);

    private final boolean cnn;

    private NetworkMomentumVsWorkers(boolean cnn) {
        this.cnn = cnn;
    }

    /** {@code momentum-vs-workers-mlp}: the MLP on optdigits. */
    public static NetworkMomentumVsWorkers mlp() {
        return new NetworkMomentumVsWorkers(false);
    }

    /** {@code momentum-vs-workers-cnn}: the CNN on a subset of MNIST. */
    public static NetworkMomentumVsWorkers cnn() {
        return new NetworkMomentumVsWorkers(true);
    }

    @Override
    public String name() {
        return cnn ? "momentum-vs-workers-cnn" : "momentum-vs-workers-mlp";
    }

    @Override
    public String description() {
        return "momentum-vs-workers on " + (cnn ? "the MNIST CNN (a subset)" : "the MLP on optdigits")
                + ": best explicit beta by async workers, eta and beta tuned jointly, test loss";
    }

    Setting setting(boolean quick) {
        return cnn ? (quick ? CNN_QUICK : CNN) : (quick ? MLP_QUICK : MLP);
    }

    /** The task: the MLP on optdigits (the --data file and its .tes beside it) or the CNN on mnist10k. */
    static Task task(Setting s, Path data, long seed) {
        TaskSpec spec = spec(s, data, seed);
        return Tasks.build(spec);
    }

    static TaskSpec spec(Setting s, Path data, long seed) {
        if (s.model().equals("cnn")) {
            String images = data != null ? data.toString() : TaskSpec.MNIST10K;
            return new TaskSpec("cnn", images, "auto", null, s.trainRows(), s.trainRows() + s.testRows(), false, -1,
                    "auto", 20_000, 20, 10, 0.1, 0.2, 32, 1, 100, s.batch(), seed, 0.0);
        }
        return new TaskSpec("mlp", data.toString(), "csv", data.resolveSibling("optdigits.tes").toString(), 0, 0,
                false, -1, "auto", 20_000, 20, 0, 0.1, 0.2, 32, 1, 100, s.batch(), seed, 0.0);
    }

    /** The scorer: log₁₀ of the final test loss of heavy ball (η, β) with M workers; the seed draws minibatches and schedule. */
    static MomentumVsWorkers.Scorer scorer(Setting s, Path data, long taskSeed, TimeDistribution computeTime) {
        Task task = task(s, data, taskSeed);
        return (workers, lr, beta, seed) -> {
            OptimizerConfig config = OptimizerConfig.builder("momentum").lr(lr).beta(beta)
                    .allowNegativeMomentum(true).build();
            TaskSpec spec = spec(s, data, seed);
            AsyncRuns.Outcome o = AsyncRuns.run(config, StalenessCompensation.NONE, workers,
                    r -> task.worker(spec, r, workers), s.updates(), seed * 131L + 7, -1, computeTime);
            return MomentumVsWorkers.log10Score(o.diverged() ? Double.POSITIVE_INFINITY
                    : task.model().loss(o.weights(), task.test()));
        };
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        Setting s = setting(run.quick());
        Path data = cnn ? run.data(null) : run.data(AsyncMomentumMethods.DEFAULT_DATA);
        long[] seeds = run.seeds(s.seeds(), s.seeds());
        TimeDistribution computeTime = run.computeTime();
        MomentumVsWorkers.Scorer scorer = scorer(s, data, run.seed(), computeTime);
        Table table = MomentumVsWorkers.newTable();
        List<MomentumVsWorkers.Run> runs = new ArrayList<>();
        for (int m : s.workers()) {
            MomentumVsWorkers.Run r = MomentumVsWorkers.tune(m, s.betas(), s.lrs(), seeds, scorer, s.widen());
            runs.add(r);
            MomentumVsWorkers.addRow(table, r, seeds.length);
        }
        table.writeCsv(run.file("results.csv"));
        MomentumVsWorkers.writeScores(run, runs);
        MomentumVsWorkers.plotBestBeta(run, runs, seeds.length);
        Task task = task(s, data, run.seed());
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("task", task.description());
        summary.put("updates", s.updates());
        summary.put("batch", s.batch());
        summary.put("seeds", seeds.length);
        summary.put("compute_time", computeTime.toString());
        summary.put("runs", runs);
        run.summary(name(), summary);
        run.report("The best explicit momentum against asynchronous workers on " + (cnn ? "the MNIST CNN" : "the MLP"),
                task.description() + (cnn ? " (a subset of " + IdxLoader.MNIST10K_IMAGES + ", to fit the grid in "
                        + "minutes)" : "") + "; heavy ball (negative β allowed) in the real server core, M simulated "
                        + "asynchronous workers with " + computeTime + " compute times, minibatch " + s.batch() + ", "
                        + s.updates() + " updates in all. η over " + Arrays.toString(s.lrs()) + " for every β in "
                        + Arrays.toString(s.betas()) + ", then β (the grid grows at most " + s.widen() + " times while "
                        + "the winner is on an η edge or the top β). Score: log₁₀ of the final test cross-entropy ("
                        + MomentumVsWorkers.DIVERGED + " for a diverged run), mean ± standard error over "
                        + seeds.length + " paired seeds (each seed draws the minibatches and the schedule).",
                table, MomentumVsWorkers.findings(runs), List.of("best-beta.png", "score-vs-beta.png"));
        return table;
    }
}
