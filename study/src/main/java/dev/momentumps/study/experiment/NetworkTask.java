package dev.momentumps.study.experiment;

import dev.momentumps.study.sim.TimeDistribution;
import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.worker.data.IdxLoader;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.TaskSpec;
import dev.momentumps.worker.task.Tasks;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The one way an experiment runs a real non-convex network through the simulator: the MLP (64-32-10, tanh)
 * on optdigits or the CNN of {@code python/examples/mnist_cnn.py} on MNIST, M simulated asynchronous workers
 * (or exactly τ-stale gradients) in the real server core, each worker drawing its own seeded minibatches
 * from its shard. {@link #scorer} turns it into a {@link MomentumVsWorkers.Scorer}: log₁₀ of the final test
 * cross-entropy of one run, which {@link MomentumVsWorkers#tune} tunes η and β over.
 *
 * @param model     {@code mlp} or {@code cnn}
 * @param trainRows training examples (0: the whole training file)
 * @param testRows  test examples scored at the end (CNN; the MLP scores optdigits.tes)
 * @param batch     minibatch per gradient
 * @param updates   updates in all, spread over the workers
 */
record NetworkTask(String model, int trainRows, int testRows, int batch, long updates) {

    /** An update rule at (η, β); β is ignored by rules without one. */
    interface Rule {
        OptimizerConfig config(double lr, double beta);
    }

    /** Heavy ball, negative β allowed (β = 0 is plain SGD through the same rule). */
    static final Rule HEAVY_BALL = (lr, beta) -> OptimizerConfig.builder("momentum").lr(lr).beta(beta)
            .allowNegativeMomentum(true).build();
    /** Plain SGD. */
    static final Rule SGD = (lr, beta) -> InProcessServer.sgd(lr);
    /** Adam (β₁ 0.9, β₂ 0.999, ε 1e-8). */
    static final Rule ADAM = (lr, beta) -> OptimizerConfig.builder("adam").lr(lr).build();

    boolean cnn() {
        return model.equals("cnn");
    }

    /** The data: {@code --data}, else optdigits.tra for the MLP and the shared mnist10k files for the CNN. */
    Path data(RunDirectory run) {
        return cnn() ? run.data(null) : run.data(AsyncMomentumMethods.DEFAULT_DATA);
    }

    /** The run's data and the task built from it with {@code --seed}. */
    record Loaded(Path data, Task task) {
    }

    /** Loads the data of the run (once: every run of the experiment shares the task). */
    Loaded load(RunDirectory run) {
        Path d = data(run);
        return new Loaded(d, task(d, run.seed()));
    }

    /** summary.json's description of the network: the task, updates, minibatch and seeds. */
    Map<String, Object> summary(Task task, int seeds) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("task", task.description());
        summary.put("updates", updates);
        summary.put("batch", batch);
        summary.put("seeds", seeds);
        return summary;
    }

    /** The task: the MLP on optdigits (the --data file and its .tes beside it) or the CNN on mnist10k. */
    Task task(Path data, long seed) {
        return Tasks.build(spec(data, seed));
    }

    TaskSpec spec(Path data, long seed) {
        if (cnn()) {
            String images = data != null ? data.toString() : TaskSpec.MNIST10K;
            return new TaskSpec("cnn", images, "auto", null, trainRows, trainRows + testRows, false, -1,
                    "auto", 20_000, 20, 10, 0.1, 0.2, 32, 1, 100, batch, seed, 0.0);
        }
        return new TaskSpec("mlp", data.toString(), "csv", data.resolveSibling("optdigits.tes").toString(), 0, 0,
                false, -1, "auto", 20_000, 20, 0, 0.1, 0.2, 32, 1, 100, batch, seed, 0.0);
    }

    /**
     * The score of one run: log₁₀ of the final test loss of {@code rule} at (η, β) with {@code compensation},
     * M workers with {@code computeTime} compute times, or exactly {@code fixedDelay}-stale gradients when
     * it is ≥ 0; the seed draws the minibatches and the schedule. {@code task} is {@link #task} (built once
     * and shared by every run: it holds the data and the starting weights).
     */
    MomentumVsWorkers.Scorer scorer(Task task, Path data, TimeDistribution computeTime, Rule rule,
                                    Supplier<StalenessCompensation> compensation, int fixedDelay) {
        return (workers, lr, beta, seed) -> {
            TaskSpec spec = spec(data, seed);
            AsyncRuns.Outcome o = AsyncRuns.run(rule.config(lr, beta), compensation.get(), workers,
                    r -> task.worker(spec, r, workers), updates, seed * 131L + 7, fixedDelay, computeTime);
            return MomentumVsWorkers.log10Score(o.diverged() ? Double.POSITIVE_INFINITY
                    : task.model().loss(o.weights(), task.test()));
        };
    }

    /** For reports: the task, and for the CNN that it is a subset. */
    String describe(Task task) {
        return task.description() + (cnn() ? " (a subset of " + IdxLoader.MNIST10K_IMAGES + ", to fit the grid in "
                + "minutes)" : "") + ", minibatch " + batch + ", " + updates + " updates in all";
    }
}
