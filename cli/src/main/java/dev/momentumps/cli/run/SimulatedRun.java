package dev.momentumps.cli.run;

import dev.momentumps.study.sim.ImplicitMomentumEstimator;
import dev.momentumps.study.sim.SimulationConfig;
import dev.momentumps.study.sim.SimulationResult;
import dev.momentumps.study.sim.Simulator;
import dev.momentumps.study.report.Evaluation;
import dev.momentumps.study.report.MetricsCsv;
import dev.momentumps.study.report.RunSummary;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.worker.data.Dataset;
import dev.momentumps.worker.loop.GradientSource;
import dev.momentumps.worker.model.LinearRegression;
import dev.momentumps.worker.model.Model;
import dev.momentumps.worker.model.QuadraticModel;
import dev.momentumps.worker.task.Task;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code mps train --simulate}: runs the {@link Simulator} and writes the same run directory as a real run
 * ({@code summary.json}, {@code metrics.csv}, {@code loss.png}, {@code staleness.png}) through
 * {@link TrainRun}. Times in {@code metrics.csv} and the evaluations are virtual seconds. The loss is
 * evaluated every {@link TrainRun#evalEvery()} versions (and at the last); for the quadratic and
 * linear-regression models the implicit momentum of the whole trajectory is fitted and reported. A run that
 * diverges is reported as such: when the server refuses a non-finite gradient the run ends there, and with
 * {@code --stop-on-divergence} it ends at the first diverged evaluation.
 */
public final class SimulatedRun {
    private SimulatedRun() {
    }

    /** Simulates and reports; closes nothing (the caller owns the core). */
    public static RunSummary run(Task task, ParameterServerCore core, List<? extends GradientSource> sources,
                                 List<Long> steps, SimulationConfig config, Path dir, TrainRun reporter)
            throws IOException {
        long total = 0;
        for (long s : steps) {
            total += s;
        }
        long every = reporter.evalEvery();
        Model model = task.model();
        Dataset train = task.train();
        List<Evaluation> evaluations = new ArrayList<>();
        final ImplicitMomentumEstimator fit = ImplicitMomentumEstimator.forTask(task);
        long[] last = {-1};
        Path updates = dir.resolve("updates.csv");
        long wallStart = System.nanoTime();
        SimulationResult result;
        try (MetricsCsv csv = new MetricsCsv(updates, 0)
                .measuring(dev.momentumps.server.compensation.GapMeter.in(core.compensation()))) {
            Simulator sim = new Simulator(core, sources, steps, config).onApplied(csv);
            sim.onVersion((v, w, t) -> {
                if (fit != null) {
                    fit.observe(w);
                }
                if (v % every == 0) {
                    Evaluation e = Evaluation.of(task, v, t, w);
                    evaluations.add(e);
                    last[0] = v;
                    if (reporter.evaluated(e, System.out)) {
                        sim.stop();
                    }
                }
            });
            result = sim.run();
            if (sim.refusal() != null) {
                System.out.println("momentum-ps: the run ends at update " + result.version() + ": the server refused "
                        + "a gradient: " + sim.refusal());
                reporter.diverged(result.version(), "the server refused a gradient: " + sim.refusal(), System.out);
            }
        }
        if (last[0] != result.version()) {
            Evaluation e = Evaluation.of(task, result.version(), result.virtualSeconds(), result.finalWeights());
            evaluations.add(e);
            reporter.evaluated(e, System.out);
        }
        double wall = (System.nanoTime() - wallStart) / 1e9;
        String transport = "simulated, " + sources.size() + " workers, " + describe(config) + ", "
                + String.format(java.util.Locale.ROOT, "%.3f", result.virtualSeconds()) + " virtual s";
        return reporter.report(result.status(), evaluations, wall, transport, updates,
                fit == null ? null : fit.estimate());
    }

    /** e.g. {@code compute exp:1.0, network fixed:0.0, straggler 3:4.0} or {@code fixed delay 4}. */
    public static String describe(SimulationConfig c) {
        if (c.fixedDelay() >= 0) {
            return "fixed delay " + c.fixedDelay();
        }
        StringBuilder b = new StringBuilder("compute " + c.computeTime() + ", network " + c.networkDelay());
        c.stragglers().forEach((rank, k) -> b.append(", straggler ").append(rank).append(':').append(k));
        return b.toString();
    }
}
