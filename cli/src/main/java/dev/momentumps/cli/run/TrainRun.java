package dev.momentumps.cli.run;

import dev.momentumps.cli.dashboard.LiveRun;
import dev.momentumps.study.report.Divergence;
import dev.momentumps.study.report.Evaluation;
import dev.momentumps.study.report.GapColumn;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Watches a running {@link Cluster} to the end: a progress line from the server's status, the loss over the
 * whole training set (and the test split) evaluated on pulled weights every {@code evalEvery} updates, a
 * {@link LiveRun} for the dashboard, divergence detection, then the run directory's {@code summary.json},
 * {@code metrics.csv}, {@code loss.png}, {@code staleness.png}, {@code gap.png} (when the server measured the gap,
 * {@code --gap-meter}) and {@code report.html}.
 */
public final class TrainRun {
    private static final long POLL_MS = 50;

    private final Task task;
    private final Evaluator evaluator;
    private final Path dir;
    private final long totalSteps;
    private final int batchSize;
    private final Map<String, Object> config;
    private long evalEvery = 1;
    private boolean stopOnDivergence;
    private LiveRun live = new LiveRun();
    private final Divergence divergence = new Divergence();

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

    /** Evaluate every {@code every} updates; with {@code stop}, end the run as soon as it diverges. */
    public TrainRun evaluation(long every, boolean stop) {
        if (every < 1) {
            throw new IllegalArgumentException("--eval-every must be >= 1, got " + every);
        }
        this.evalEvery = every;
        this.stopOnDivergence = stop;
        return this;
    }

    /** Feed {@code run} (what a dashboard shows) as the run goes. */
    public TrainRun live(LiveRun run) {
        this.live = run;
        run.configure(evaluator.description(), config, totalSteps);
        return this;
    }

    public long evalEvery() {
        return evalEvery;
    }

    public boolean stopOnDivergence() {
        return stopOnDivergence;
    }

    /**
     * Takes an evaluation: the dashboard sees it, and a first sign of divergence is reported on {@code out}.
     * @return whether the run should stop now (it diverged and {@code --stop-on-divergence} is set)
     */
    public boolean evaluated(Evaluation e, PrintStream out) {
        live.evaluation(e);
        if (divergence.observe(e)) {
            announce(out);
        }
        return stopOnDivergence && divergence.diverged();
    }

    /** A sign of divergence other than the loss (the server refused a non-finite gradient at {@code version}). */
    public void diverged(long version, String why, PrintStream out) {
        if (divergence.mark(version, why)) {
            announce(out);
        }
    }

    private void announce(PrintStream out) {
        live.divergence(divergence);
        if (out != null) {
            out.println("momentum-ps: DIVERGED at update " + divergence.atUpdate() + ": " + divergence.reason()
                    + (stopOnDivergence ? "; stopping (--stop-on-divergence)" : ""));
        }
    }

    /**
     * Follows the cluster until its workers are done (or the run diverges with {@code --stop-on-divergence}),
     * then reports. {@code updatesCsv} is the server's metrics file; {@code localOutputs} (may be null) are an
     * in-process server's files, closed once the workers are done and before they are read.
     *
     * <p>Evaluations run on their own thread, one at a time, on weights pulled when they are due, so that a
     * slow evaluator (a Python script's, which first starts and loads its data) delays neither the progress
     * line nor the dashboard nor the next pull. The first is update 0, the weights the server started from
     * when the cluster knows them. At most a tenth of the time goes to evaluating (a CNN over its data takes
     * a second or more, on the cores the workers use): an evaluation is due no sooner than 10x the last one's
     * duration after it, except after the first, whose duration is mostly the evaluator's start.
     */
    public RunSummary follow(Cluster cluster, Path updatesCsv, AutoCloseable localOutputs, long startNanos, PrintStream out,
                             boolean progressBar) throws Exception {
        ParameterClient monitor = cluster.monitor();
        List<Evaluation> evaluations = new ArrayList<>();
        ExecutorService evaluating = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "mps-evaluation");
            t.setDaemon(true);
            return t;
        });
        Future<Timed> pending = null;
        boolean pendingIsFirst = false;
        boolean asked = false;
        long nextEval = 0;
        long evalGapNanos = 0;
        long lastEvalNanos = 0;
        ProgressLine progress = progressBar ? new ProgressLine(out, System.console() != null, totalSteps) : null;
        int workers = config.get("steps_per_worker") instanceof List<?> l ? l.size() : 0;
        boolean stopped = false;
        ServerStatus s = monitor.status();
        try {
            while (!cluster.workersDone()) {
                Thread.sleep(POLL_MS);
                for (String event : cluster.checkHealth()) {
                    out.println("momentum-ps: " + event);
                    live.event(event);
                }
                s = monitor.status();
                long now = System.nanoTime();
                live.status(s, (now - startNanos) / 1e9);
                if (pending != null && pending.isDone()) {
                    Timed timed = result(pending);
                    Evaluation e = timed.evaluation();
                    pending = null;
                    lastEvalNanos = System.nanoTime();
                    evalGapNanos = pendingIsFirst ? 0 : 10 * timed.nanos();
                    evaluations.add(e);
                    nextEval = (e.version() / evalEvery + 1) * evalEvery;
                    if (evaluated(e, out)) {
                        stopped = true;
                        cluster.stopWorkers();
                        break;
                    }
                }
                if (pending == null && s.initialized()) {
                    float[] w = asked ? null : cluster.initialWeights(); // update 0: what the server started from
                    long version = 0;
                    if (w == null && s.version() >= nextEval && now - lastEvalNanos >= evalGapNanos) {
                        w = new float[s.numElements()];
                        version = monitor.pull(w);
                    }
                    if (w != null) {
                        pendingIsFirst = !asked;
                        asked = true;
                        float[] weights = w;
                        long v = version;
                        double seconds = (now - startNanos) / 1e9;
                        pending = evaluating.submit(() -> {
                            long t0 = System.nanoTime();
                            Evaluation e = evaluator.evaluate(v, seconds, weights);
                            return new Timed(e, System.nanoTime() - t0);
                        });
                    }
                }
                if (progress != null) {
                    if (!s.initialized()) {
                        progress.waiting(s.workers().size(), workers, now);
                    } else {
                        progress.running(s.gradientsApplied() + s.gradientsDropped(), s.version(), lastLoss(evaluations),
                                s.staleness().mean(), now);
                    }
                }
            }
            if (pending != null && !stopped) {
                Evaluation e = result(pending).evaluation();
                evaluations.add(e);
                evaluated(e, out);
            }
        } finally {
            evaluating.shutdownNow();
        }
        double wall = (System.nanoTime() - startNanos) / 1e9;
        ServerStatus status = monitor.status();
        if (!status.initialized()) {
            throw new IllegalStateException("no worker initialised the model: " + String.join("; ", cluster.failures()));
        }
        Evaluation last = evaluate(monitor, new float[status.numElements()], startNanos);
        if (evaluations.isEmpty() || evaluations.get(evaluations.size() - 1).version() != last.version()) {
            evaluations.add(last);
            evaluated(last, stopped ? null : out);
        }
        if (progress != null) {
            progress.finish(status.gradientsApplied() + status.gradientsDropped(), status.version(), last.trainLoss(),
                    status.staleness().mean(), System.nanoTime());
        }
        live.status(status, wall);
        String metrics = cluster.metrics();
        if (metrics != null) {
            Files.writeString(dir.resolve("metrics.prom"), metrics); // the server's /metrics as the run ends
        }
        if (localOutputs != null) {
            localOutputs.close();
        }
        cluster.stopServer(); // a server process writes the last metrics lines as it stops
        for (String failure : cluster.failures()) {
            out.println("WARNING: " + failure);
        }
        RunSummary summary = summarize(status, last, wall, transport(status.pushesByPath(), cluster.transport()))
                .withCheckpoint(cluster.checkpoints());
        dev.momentumps.study.sim.ImplicitMomentumFit fit = fitTrajectory(status.numElements());
        if (fit != null) {
            summary = summary.withImplicitMomentum(fit);
        }
        summary = summary.withDivergence(divergence);
        return writeReports(summary, updatesCsv, evaluations);
    }

    /** An evaluation and how long the evaluator took for it. */
    private record Timed(Evaluation evaluation, long nanos) {
    }

    /** The evaluation's result; its failure rethrown as it was thrown. */
    private static Timed result(Future<Timed> f) throws Exception {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    private static double lastLoss(List<Evaluation> evaluations) {
        return evaluations.isEmpty() ? Double.NaN : evaluations.get(evaluations.size() - 1).trainLoss();
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
        live.status(status, wallSeconds);
        summary = summary.withDivergence(divergence);
        return writeReports(summary, updatesCsv, evaluations);
    }

    private Evaluation evaluate(ParameterClient monitor, float[] w, long startNanos) throws Exception {
        long version = monitor.pull(w);
        return evaluator.evaluate(version, (System.nanoTime() - startNanos) / 1e9, w);
    }

    /**
     * The paths the pushes really took, as the server counted them ("shared-memory 400 pushes"), then how the
     * cluster is hosted; only the hosting when the server counts no paths (in-process).
     */
    static String transport(java.util.Map<String, Long> pushesByPath, String hosting) {
        StringBuilder b = new StringBuilder();
        for (java.util.Map.Entry<String, Long> e : pushesByPath.entrySet()) {
            b.append(b.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue()).append(" pushes");
        }
        return b.length() == 0 ? hosting : b + "; " + hosting;
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

    private RunSummary writeReports(RunSummary summary, Path updatesCsv, List<Evaluation> evaluations)
            throws IOException {
        MetricsMerge.merge(updatesCsv, evaluations, dir.resolve("metrics.csv"));
        Files.deleteIfExists(updatesCsv);
        GapColumn gaps = GapColumn.read(dir.resolve("metrics.csv"));
        summary = summary.withGap(gaps.summary());
        summary.write(dir.resolve("summary.json"));
        String setting = summary.optimizer() + ", " + summary.mode() + ", " + summary.workers() + " workers";
        if (summary.gap() != null) {
            gaps.plot(dir.resolve("gap.png"), "Gap of applied gradients — mean " + String.format(java.util.Locale.ROOT,
                    "%.4g", summary.gap().mean()) + ", max " + String.format(java.util.Locale.ROOT, "%.4g",
                    summary.gap().max()));
        }
        RunPlots.loss(dir.resolve("loss.png"), "Loss — " + setting, evaluations);
        RunPlots.staleness(dir.resolve("staleness.png"), "Staleness of applied gradients — mean "
                + String.format(java.util.Locale.ROOT, "%.2f", summary.staleness().mean()) + ", max "
                + summary.staleness().max(), summary.staleness().histogram());
        live.finished(summary);
        live.writeReport(dir.resolve("report.html"));
        return summary;
    }

    /** Histograms longer than this are printed as their head and quantiles; summary.json has them whole. */
    static final int PRINTED_HISTOGRAM = 24;

    /** The staleness line of the run's summary: a long-tailed histogram does not flood the terminal. */
    static String stalenessLine(double mean, long max, long[] histogram) {
        if (histogram.length <= PRINTED_HISTOGRAM) {
            return String.format(java.util.Locale.ROOT, "mean %.3f, max %d, histogram %s", mean, max,
                    java.util.Arrays.toString(histogram));
        }
        long total = 0;
        for (long c : histogram) {
            total += c;
        }
        StringBuilder head = new StringBuilder("[");
        for (int i = 0; i < PRINTED_HISTOGRAM - 4; i++) {
            head.append(histogram[i]).append(", ");
        }
        head.append("...]");
        return String.format(java.util.Locale.ROOT, "mean %.3f, median %d, p90 %d, p99 %d, max %d, histogram %s "
                + "(all %d values in summary.json)", mean, quantile(histogram, total, 0.5),
                quantile(histogram, total, 0.9), quantile(histogram, total, 0.99), max, head, histogram.length);
    }

    /** The smallest staleness τ with at least a fraction q of the gradients at or below it. */
    static int quantile(long[] histogram, long total, double q) {
        long seen = 0;
        for (int i = 0; i < histogram.length; i++) {
            seen += histogram[i];
            if (seen >= q * total) {
                return i;
            }
        }
        return histogram.length - 1;
    }

    /** The lines printed at the end of a run. */
    public static void print(RunSummary s, Path dir, PrintStream out) {
        out.printf(java.util.Locale.ROOT, "%n%s%n", s.task());
        out.printf(java.util.Locale.ROOT, "  optimizer     %s, mode %s, %d workers (%s)%n", s.optimizer(), s.mode(),
                s.workers(), s.transport());
        if (s.diverged()) {
            out.printf(java.util.Locale.ROOT, "  outcome       DIVERGED at update %d: %s%n", s.divergedAtUpdate(),
                    s.divergence());
        }
        out.printf(java.util.Locale.ROOT, "  final loss    %.6g (whole training set)%n", s.finalLoss());
        if (s.testAccuracy() != null) {
            out.printf(java.util.Locale.ROOT, "  test accuracy %.4f%n", s.testAccuracy());
        }
        out.printf(java.util.Locale.ROOT, "  updates       %d (%d gradients applied, %d dropped)%n", s.updates(),
                s.gradientsApplied(), s.gradientsDropped());
        out.printf(java.util.Locale.ROOT, "  staleness     %s%n", stalenessLine(s.staleness().mean(), s.staleness().max(),
                s.staleness().histogram()));
        if (s.gap() != null) {
            out.printf(java.util.Locale.ROOT, "  gap           mean %.4g, max %.4g over %d gradients (gap.png)%n",
                    s.gap().mean(), s.gap().max(), s.gap().measured());
        }
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
