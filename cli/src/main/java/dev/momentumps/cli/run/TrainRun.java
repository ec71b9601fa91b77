package dev.momentumps.cli.run;

import dev.momentumps.study.report.Evaluation;
import dev.momentumps.study.report.MetricsMerge;
import dev.momentumps.study.report.RunPlots;
import dev.momentumps.study.report.RunSummary;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.worker.task.Task;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Watches a running {@link Cluster} to the end: a progress bar from the server's status, the full training
 * loss evaluated on pulled weights at regular intervals, then the run directory's {@code summary.json},
 * {@code metrics.csv}, {@code loss.png} and {@code staleness.png}.
 */
public final class TrainRun {
    private static final long POLL_MS = 200;
    private static final long EVALUATE_EVERY_MS = 500;

    private final Task task;
    private final Evaluator evaluator;
    private final Path dir;
    private final long totalSteps;
    private final int batchSize;
    private final Map<String, Object> config;

    public TrainRun(Task task, Path dir, long totalSteps, int batchSize, Map<String, Object> config) {
        this(task, Evaluator.of(task), dir, totalSteps, batchSize, config);
    }

    /**
     * @param task      the Java task, for the implicit-momentum fit of quadratic and linear models; may be null
     * @param evaluator what evaluates the weights for the reports (a Java task's model, a Python script's)
     */
    public TrainRun(Task task, Evaluator evaluator, Path dir, long totalSteps, int batchSize,
                    Map<String, Object> config) {
        this.task = task;
        this.evaluator = evaluator;
        this.dir = dir;
        this.totalSteps = totalSteps;
        this.batchSize = batchSize;
        this.config = config;
    }

    /**
     * Follows the cluster until its workers are done, then reports. {@code updatesCsv} is the server's metrics
     * file; {@code localOutputs} (may be null) are an in-process server's files, closed once the workers are
     * done and before they are read.
     */
    public RunSummary follow(Cluster cluster, Path updatesCsv, AutoCloseable localOutputs, long startNanos, PrintStream out,
                             boolean progressBar) throws Exception {
        ParameterClient monitor = cluster.monitor();
        List<Evaluation> evaluations = new ArrayList<>();
        float[] w = null;
        long lastEval = 0;
        // at most every EVALUATE_EVERY_MS, and at most a tenth of the time evaluating (a CNN over its data
        // takes a second or more, on the cores the workers use)
        long evalGapMillis = EVALUATE_EVERY_MS;
        boolean tty = System.console() != null;
        long lastLine = System.nanoTime();
        try (ProgressBar bar = progressBar && tty ? new ProgressBarBuilder().setTaskName("train").setInitialMax(totalSteps)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate()
                .setUnit(" pushes", 1).build() : null) {
            BooleanSupplier done = cluster::workersDone;
            while (!done.getAsBoolean()) {
                Thread.sleep(POLL_MS);
                for (String event : cluster.checkHealth()) {
                    out.println("momentum-ps: " + event);
                }
                ServerStatus s = monitor.status();
                if (s.initialized()) {
                    if (w == null) {
                        w = new float[s.numElements()];
                    }
                    long now = System.nanoTime();
                    if ((now - lastEval) / 1_000_000 >= evalGapMillis) {
                        evaluations.add(evaluate(monitor, w, startNanos));
                        lastEval = System.nanoTime();
                        evalGapMillis = Math.max(EVALUATE_EVERY_MS, 10 * (lastEval - now) / 1_000_000);
                    }
                }
                long pushes = s.gradientsApplied() + s.gradientsDropped();
                String note = progressNote(
                        evaluations.isEmpty() ? s.recentLoss() : evaluations.get(evaluations.size() - 1).trainLoss(),
                        s.staleness().mean());
                if (bar != null) {
                    bar.stepTo(pushes);
                    bar.setExtraMessage(note);
                } else if (progressBar && System.nanoTime() - lastLine > 2_000_000_000L) {
                    // not a terminal (a log, CI): a plain line every two seconds instead of a redrawn bar
                    lastLine = System.nanoTime();
                    out.printf(java.util.Locale.ROOT, "train %3d%% %d/%d pushes%s%n", 100 * pushes / Math.max(1, totalSteps),
                            pushes, totalSteps, note);
                }
            }
            ServerStatus end = monitor.status();
            if (bar != null) {
                bar.stepTo(end.gradientsApplied() + end.gradientsDropped());
            }
        }
        double wall = (System.nanoTime() - startNanos) / 1e9;
        ServerStatus status = monitor.status();
        if (!status.initialized()) {
            throw new IllegalStateException("no worker initialised the model: " + String.join("; ", cluster.failures()));
        }
        if (w == null) {
            w = new float[status.numElements()];
        }
        Evaluation last = evaluate(monitor, w, startNanos);
        if (evaluations.isEmpty() || evaluations.get(evaluations.size() - 1).version() != last.version()) {
            evaluations.add(last);
        }
        if (localOutputs != null) {
            localOutputs.close();
        }
        cluster.stopServer(); // a server process writes the last metrics lines as it stops
        for (String failure : cluster.failures()) {
            out.println("WARNING: " + failure);
        }
        RunSummary summary = summarize(status, last, wall, cluster.transport()).withCheckpoint(cluster.checkpoints());
        dev.momentumps.study.sim.ImplicitMomentumFit fit = fitTrajectory(status.numElements());
        if (fit != null) {
            summary = summary.withImplicitMomentum(fit);
        }
        writeReports(summary, updatesCsv, evaluations);
        return summary;
    }

    /**
     * The progress line's loss and staleness: {@code -} for the loss until one exists (before the first push
     * and the first evaluation the server's recent loss is NaN).
     */
    static String progressNote(double loss, double meanStaleness) {
        String l = Double.isNaN(loss) ? "-" : String.format(java.util.Locale.ROOT, "%.4f", loss);
        return String.format(java.util.Locale.ROOT, " loss %s  staleness %.2f", l, meanStaleness);
    }

    /** The file a run's server records its trajectory in, for the implicit-momentum fit. */
    public static Path trajectoryFile(Path dir) {
        return dir.resolve("trajectory.f32");
    }

    /** Implicit momentum over the recorded trajectory, for quadratic and linear models; null otherwise. */
    private dev.momentumps.study.sim.ImplicitMomentumFit fitTrajectory(int numElements) throws IOException {
        Path file = trajectoryFile(dir);
        dev.momentumps.study.sim.ImplicitMomentumEstimator estimator = task == null ? null
                : dev.momentumps.study.sim.ImplicitMomentumEstimator.forTask(task);
        if (estimator == null || !Files.exists(file)) {
            return null;
        }
        long versions = dev.momentumps.study.report.TrajectoryFile.read(file, numElements, estimator::observe);
        Files.delete(file);
        return versions >= 3 ? estimator.estimate() : null;
    }

    /**
     * Writes the reports of a run that has already ended (the simulator's), from the server's final status
     * and evaluations the caller took, optionally with an implicit-momentum fit.
     */
    public RunSummary report(ServerStatus status, List<Evaluation> evaluations, double wallSeconds, String transport,
                             Path updatesCsv, dev.momentumps.study.sim.ImplicitMomentumFit implicitMomentum) throws IOException {
        RunSummary summary = summarize(status, evaluations.get(evaluations.size() - 1), wallSeconds, transport);
        if (implicitMomentum != null) {
            summary = summary.withImplicitMomentum(implicitMomentum);
        }
        writeReports(summary, updatesCsv, evaluations);
        return summary;
    }

    private Evaluation evaluate(ParameterClient monitor, float[] w, long startNanos) throws Exception {
        long version = monitor.pull(w);
        return evaluator.evaluate(version, (System.nanoTime() - startNanos) / 1e9, w);
    }

    private RunSummary summarize(ServerStatus s, Evaluation last, double wall, String transport) {
        List<RunSummary.WorkerSummary> per = new ArrayList<>();
        for (ServerStatus.Worker w : s.workers()) {
            per.add(new RunSummary.WorkerSummary(w.id(), w.rank(), w.pushes(), w.meanStaleness(), w.maxStaleness(),
                    w.stalenessHistogram(),
                    w.alive()));
        }
        Double accuracy = Double.isNaN(last.testAccuracy()) ? null : last.testAccuracy();
        return new RunSummary(evaluator.description(), s.updateRule(), s.mode().cliName(), transport, s.workers().size(),
                s.version(), s.gradientsApplied(), s.gradientsDropped(), last.trainLoss(), accuracy, wall,
                s.version() / wall, s.gradientsApplied() * (double) batchSize / wall,
                new RunSummary.Staleness(s.staleness().mean(), s.staleness().max(), s.staleness().histogram()),
                per, config);
    }

    private void writeReports(RunSummary summary, Path updatesCsv, List<Evaluation> evaluations) throws IOException {
        summary.write(dir.resolve("summary.json"));
        MetricsMerge.merge(updatesCsv, evaluations, dir.resolve("metrics.csv"));
        Files.deleteIfExists(updatesCsv);
        String setting = summary.optimizer() + ", " + summary.mode() + ", " + summary.workers() + " workers";
        RunPlots.loss(dir.resolve("loss.png"), "Loss — " + setting, evaluations);
        RunPlots.staleness(dir.resolve("staleness.png"), "Staleness of applied gradients — mean "
                + String.format(java.util.Locale.ROOT, "%.2f", summary.staleness().mean()) + ", max "
                + summary.staleness().max(), summary.staleness().histogram());
    }

    /** The lines printed at the end of a run. */
    public static void print(RunSummary s, Path dir, PrintStream out) {
        out.printf(java.util.Locale.ROOT, "%n%s%n", s.task());
        out.printf(java.util.Locale.ROOT, "  optimizer     %s, mode %s, %d workers (%s)%n", s.optimizer(), s.mode(),
                s.workers(), s.transport());
        out.printf(java.util.Locale.ROOT, "  final loss    %.6f (whole training set)%n", s.finalLoss());
        if (s.testAccuracy() != null) {
            out.printf(java.util.Locale.ROOT, "  test accuracy %.4f%n", s.testAccuracy());
        }
        out.printf(java.util.Locale.ROOT, "  updates       %d (%d gradients applied, %d dropped)%n", s.updates(),
                s.gradientsApplied(), s.gradientsDropped());
        out.printf(java.util.Locale.ROOT, "  staleness     mean %.3f, max %d, histogram %s%n", s.staleness().mean(),
                s.staleness().max(), java.util.Arrays.toString(s.staleness().histogram()));
        if (s.implicitMomentum() != null) {
            out.printf(java.util.Locale.ROOT, "  implicit momentum mu %.4f, c %.5f (R^2 %.4f over %d steps)%n",
                    s.implicitMomentum().mu(), s.implicitMomentum().c(), s.implicitMomentum().rSquared(),
                    s.implicitMomentum().steps());
        }
        out.printf(java.util.Locale.ROOT, "  wall time     %.2f s, %.0f updates/s, %.0f examples/s%n", s.wallSeconds(),
                s.updatesPerSecond(), s.examplesPerSecond());
        if (s.checkpoint() != null) {
            out.printf(java.util.Locale.ROOT, "  checkpoints   %d written (newest version %d), %d failed attempts%s%n",
                    s.checkpoint().written(), s.checkpoint().lastVersion(), s.checkpoint().failures(),
                    s.checkpoint().lastError() == null ? "" : "; last error: " + s.checkpoint().lastError());
        }
        out.printf("  run directory %s%n", dir);
    }
}
