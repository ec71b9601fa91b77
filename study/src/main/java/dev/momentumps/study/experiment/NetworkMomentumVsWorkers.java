package dev.momentumps.study.experiment;

import dev.momentumps.study.sim.TimeDistribution;
import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.worker.task.Task;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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

    /** One network's grid: the network ({@link NetworkTask}), the worker counts, β and η grids, seeds and widenings. */
    record Setting(NetworkTask net, int[] workers, double[] betas, double[] lrs, int seeds, int widen) {
    }

    static final Setting MLP = new Setting(new NetworkTask("mlp", 0, 0, 32, 1200), new int[] {1, 4, 16},
            new double[] {-0.6, -0.3, 0, 0.3, 0.6, 0.9}, new double[] {0.025, 0.05, 0.1, 0.2, 0.4}, 4, 3);
    static final Setting MLP_QUICK = new Setting(new NetworkTask("mlp", 0, 0, 32, 120), new int[] {1, 4},
            new double[] {0, 0.6, 0.9}, new double[] {0.05, 0.2}, 2, 1);
    static final Setting CNN = new Setting(new NetworkTask("cnn", 2000, 500, 16, 200), new int[] {1, 4, 8, 16},
            new double[] {-0.3, 0, 0.3, 0.6, 0.9}, new double[] {0.025, 0.05, 0.1}, 5, 3);
    static final Setting CNN_QUICK = new Setting(new NetworkTask("cnn", 1000, 200, 16, 16), new int[] {1, 4},
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

    /** The scorer: log₁₀ of the final test loss of heavy ball (η, β) with M workers; the seed draws minibatches and schedule. */
    static MomentumVsWorkers.Scorer scorer(Setting s, Path data, long taskSeed, TimeDistribution computeTime) {
        return scorer(s, s.net().task(data, taskSeed), data, computeTime);
    }

    static MomentumVsWorkers.Scorer scorer(Setting s, Task task, Path data, TimeDistribution computeTime) {
        return s.net().scorer(task, data, computeTime, NetworkTask.HEAVY_BALL, () -> StalenessCompensation.NONE, -1);
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        Setting s = setting(run.quick());
        NetworkTask.Loaded loaded = s.net().load(run);
        Task task = loaded.task();
        long[] seeds = run.seeds(s.seeds(), s.seeds());
        TimeDistribution computeTime = run.computeTime();
        MomentumVsWorkers.Scorer scorer = scorer(s, task, loaded.data(), computeTime);
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
        Map<String, Object> summary = s.net().summary(task, seeds.length);
        summary.put("compute_time", computeTime.toString());
        summary.put("runs", runs);
        run.summary(name(), summary);
        run.report("The best explicit momentum against asynchronous workers on " + (cnn ? "the MNIST CNN" : "the MLP"),
                s.net().describe(task) + "; heavy ball (negative β allowed) in the real server core, M simulated "
                        + "asynchronous workers with " + computeTime + " compute times. η over " + Arrays.toString(s.lrs()) + " for every β in "
                        + Arrays.toString(s.betas()) + ", then β (the grid grows at most " + s.widen() + " times while "
                        + "the winner is on an η edge or the top β). Score: log₁₀ of the final test cross-entropy ("
                        + MomentumVsWorkers.DIVERGED + " for a diverged run), mean ± standard error over "
                        + seeds.length + " paired seeds (each seed draws the minibatches and the schedule).",
                table, MomentumVsWorkers.findings(runs), List.of("best-beta.png", "score-vs-beta.png"));
        return table;
    }
}
