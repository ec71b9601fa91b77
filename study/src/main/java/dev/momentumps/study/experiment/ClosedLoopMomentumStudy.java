package dev.momentumps.study.experiment;

import dev.momentumps.study.report.Plots;
import dev.momentumps.study.sim.SimulationConfig;
import dev.momentumps.study.sim.TimeDistribution;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.ClosedLoopMomentum;
import dev.momentumps.server.optim.OptimizerConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Closed-loop momentum (YellowFin §5, {@link ClosedLoopMomentum}) as the number of workers grows: the explicit
 * β the loop chooses over time to keep the measured total momentum at μ* = 0.9, against what "Asynchrony
 * begets momentum" (Mitliagkas et al. 2016) predicts, an implicit momentum of 1 − 1/M with M workers and
 * exponential compute times, so an explicit β of about μ* − (1 − 1/M). Least squares (n = 2,000, d = 50,
 * {@link LeastSquares}), minibatches of 32, η = 0.05, simulated workers.
 */
public final class ClosedLoopMomentumStudy implements Experiment {
    static final double TARGET = 0.9;
    static final double GAIN = 0.01;
    static final double LR = 0.05;
    static final int[] WORKERS = {1, 2, 4, 8, 16};
    static final int[] QUICK_WORKERS = {1, 4};
    static final long UPDATES = 2000;
    static final long QUICK_UPDATES = 600;

    /** One M: the β chosen over the last quarter of the run and the total momentum measured there. */
    public record Run(int workers, double implicitTheory, double betaTheory, Interval chosenBeta,
                      Interval measuredTotal, double meanStaleness) {
    }

    @Override
    public String name() {
        return "closed-loop-momentum";
    }

    @Override
    public String description() {
        return "YellowFin's closed loop: the explicit beta chosen to keep the measured total momentum at 0.9 as "
                + "the workers grow, against 1 - 1/M";
    }

    /** β after every update, and the estimate after every update (NaN before the first). */
    record Trace(double[] beta, double[] estimate, double meanStaleness) {
    }

    static Trace trace(LeastSquares p, int workers, long updates, long seed, TimeDistribution computeTime) {
        OptimizerConfig c = OptimizerConfig.builder("closed-loop").lr(LR).beta(TARGET).target(TARGET).gain(GAIN)
                .build();
        double[] beta = new double[(int) updates + 1];
        double[] estimate = new double[(int) updates + 1];
        try (ParameterServerCore core = InProcessServer.core(c)) {
            ClosedLoopMomentum rule = (ClosedLoopMomentum) core.rule();
            SimulationConfig config = SimulationConfig.defaults().withComputeTime(computeTime).withSeed(seed);
            AsyncRuns.Outcome o = AsyncRuns.run(core, workers, r -> p.worker(32, seed * 1_000L + r), updates, config,
                    sim -> sim.onVersion((version, w, t) -> {
                        beta[(int) version] = rule.beta();
                        estimate[(int) version] = rule.lastEstimate();
                    }));
            return new Trace(beta, estimate, o.meanStaleness());
        }
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        boolean quick = run.quick();
        LeastSquares p = new LeastSquares(2_000, 50, run.seed());
        int[] ms = quick ? QUICK_WORKERS : WORKERS;
        long updates = quick ? QUICK_UPDATES : UPDATES;
        long[] seeds = run.seeds(3, 2);
        int n = seeds.length;
        TimeDistribution computeTime = run.computeTime();
        List<Trace> traces = Replicates.map(ms.length * n, k -> trace(p, ms[k / n], updates, seeds[k % n], computeTime));
        Table table = new Table("workers M", "1 - 1/M", "predicted beta", "chosen beta (last quarter)", "95% interval",
                "measured total (last quarter)", "mean staleness");
        List<Run> runs = new ArrayList<>();
        List<Plots.Line> lines = new ArrayList<>();
        int from = (int) (updates * 3 / 4);
        for (int i = 0; i < ms.length; i++) {
            double[] chosen = new double[n];
            double[] total = new double[n];
            double stale = 0;
            double[] x = new double[(int) updates + 1];
            double[] y = new double[(int) updates + 1];
            for (int s = 0; s < n; s++) {
                Trace t = traces.get(i * n + s);
                chosen[s] = mean(t.beta(), from);
                total[s] = median(t.estimate(), from);
                stale += t.meanStaleness() / n;
                for (int v = 0; v <= updates; v++) {
                    x[v] = v;
                    y[v] += t.beta()[v] / n;
                }
            }
            double implicit = 1 - 1.0 / ms[i];
            Run r = new Run(ms[i], implicit, TARGET - implicit, Interval.of(chosen), Interval.of(total), stale);
            runs.add(r);
            lines.add(new Plots.Line("M = " + ms[i] + " (predicted " + Table.num(TARGET - implicit) + ")", x, y));
            // one worker: every gradient has τ = 0, whose estimate is the explicit β itself, so β never moves
            // and the seeds cannot differ: no interval to show
            boolean exact = ms[i] == 1;
            table.row(ms[i], Table.num(implicit), Table.num(TARGET - implicit),
                    exact ? Table.fixed(r.chosenBeta().mean(), 3) + " (every τ = 0)" : r.chosenBeta().format(3),
                    exact ? "none: β never moves" : r.chosenBeta().formatRange(),
                    exact ? Table.fixed(r.measuredTotal().mean(), 3) : r.measuredTotal().format(3), Table.num(stale));
        }
        table.writeCsv(run.file("results.csv"));
        Plots.lines(run.file("beta.png"), "Explicit beta chosen by the closed loop (target total " + TARGET
                + "), mean over " + n + " seeds", "update", "beta", lines, false);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("target", TARGET);
        summary.put("gain", GAIN);
        summary.put("lr", LR);
        summary.put("updates", updates);
        summary.put("seeds", n);
        summary.put("compute_time", computeTime.toString());
        summary.put("runs", runs);
        run.summary(name(), summary);
        run.report("Closed-loop momentum against 1 − 1/M",
                "Least squares (n = 2,000, d = 50), minibatch 32, η = " + LR + "; the closed-loop rule starts at β = "
                        + TARGET + ", aims at a measured total momentum of μ* = " + TARGET + " with gain " + GAIN
                        + " per estimate (YellowFin's median estimator over 50 watched elements); M simulated workers, "
                        + "compute times " + computeTime + ", " + updates + " updates. \"Chosen β\": the mean β over "
                        + "the last quarter of the run; \"measured total\": the median estimate over that quarter; "
                        + "both as mean ± se over " + n + " seeds with 95 % t intervals. \"Predicted β\": μ* − (1 − 1/M), "
                        + "the explicit momentum that leaves room for the implicit 1 − 1/M of Mitliagkas et al.",
                table, findings(runs), List.of("beta.png"));
        return table;
    }

    static double mean(double[] v, int from) {
        double s = 0;
        int c = 0;
        for (int i = from; i < v.length; i++) {
            if (Double.isFinite(v[i])) {
                s += v[i];
                c++;
            }
        }
        return c == 0 ? Double.NaN : s / c;
    }

    static double median(double[] v, int from) {
        double[] f = java.util.Arrays.stream(v, from, v.length).filter(Double::isFinite).sorted().toArray();
        return f.length == 0 ? Double.NaN : f[f.length / 2];
    }

    static String findings(List<Run> runs) {
        StringBuilder b = new StringBuilder("Chosen β against the prediction μ* − (1 − 1/M): ");
        for (Run r : runs) {
            b.append("M = ").append(r.workers()).append(": ").append(r.chosenBeta().format(3)).append(" vs ")
                    .append(Table.num(r.betaTheory()))
                    .append(r.chosenBeta().excludes(r.betaTheory()) ? " (the interval excludes it)" : " (within the interval)")
                    .append("; ");
        }
        b.setLength(b.length() - 2);
        Run first = runs.get(0);
        Run last = runs.get(runs.size() - 1);
        b.append(". From M = ").append(first.workers()).append(" to M = ").append(last.workers())
                .append(" the chosen β ").append(last.chosenBeta().mean() < first.chosenBeta().mean() ? "falls" : "does not fall")
                .append(" (").append(Table.num(first.chosenBeta().mean())).append(" to ")
                .append(Table.num(last.chosenBeta().mean())).append(").");
        return b.toString();
    }
}
