package dev.momentumps.study.experiment;

import dev.momentumps.study.report.Plots;
import dev.momentumps.study.sim.SimulationConfig;
import dev.momentumps.study.sim.TimeDistribution;
import dev.momentumps.server.compensation.DelayAdaptiveLearningRate;
import dev.momentumps.server.compensation.StalenessAwareLearningRate;
import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.ConsistencyModel;
import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.server.core.ParameterServerCore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Mishchenko, Bach, Even, Woodworth, "Asynchronous SGD Beats Minibatch SGD Under Arbitrary Delays" (NeurIPS
 * 2022), the setting of their notebook: least squares with n = 10,000, d = 400, A ~ U[0,1]/√d,
 * b = A·x* + 0.1·noise ({@link LeastSquares}), minibatches of 256, M = 40 simulated workers with random
 * compute times (Exp(1) unless {@code --compute-time}), 800 gradients in all. Minibatch SGD (synchronous
 * rounds averaging M gradients), asynchronous SGD with a fixed η, with η/τ (Zhang et al. 2016) and with
 * the delay-adaptive η·M/max(M, τ) ({@link DelayAdaptiveLearningRate}); each with its best η from a
 * doubling grid (paired seeds). F(x) − F* is measured against the gradients computed.
 */
public final class DelayAdaptive implements Experiment {
    static final int N = 10_000;
    static final int D = 400;
    static final int BATCH = 256;
    static final int WORKERS = 40;
    static final long GRADIENTS = 800;
    static final int SEEDS = 5;
    static final double[] LRS = {0.0625, 0.125, 0.25, 0.5, 1, 2, 4, 8};
    static final int QUICK_N = 2_000;
    static final int QUICK_D = 50;
    static final int QUICK_WORKERS = 10;
    static final long QUICK_GRADIENTS = 200;
    static final double[] QUICK_LRS = {0.25, 1, 4};

    /** One method at its best η: final F − F* over the seeds, its paired difference to delay-adaptive. */
    public record Run(String method, double lr, boolean lrOnGridEdge, Interval finalGap, Interval vsDelayAdaptive,
                      int diverged, double meanDelay, long maxDelay) {
    }

    @Override
    public String name() {
        return "delay-adaptive";
    }

    @Override
    public String description() {
        return "Mishchenko et al. 2022: minibatch SGD vs async SGD with fixed eta, eta/tau and delay-adaptive "
                + "eta*M/max(M,tau) on least squares, 40 workers";
    }

    record Method(String name, boolean synchronous, Supplier<StalenessCompensation> compensation) {
    }

    static List<Method> methods(int workers) {
        return List.of(new Method("minibatch SGD", true, () -> StalenessCompensation.NONE),
                new Method("async SGD, fixed eta", false, () -> StalenessCompensation.NONE),
                new Method("async SGD, eta/tau", false, StalenessAwareLearningRate::new),
                new Method("async SGD, delay-adaptive", false, () -> new DelayAdaptiveLearningRate(workers)));
    }

    /** One run's F − F* after 0, every, 2·every, … gradients, and its staleness histogram. */
    record Curve(double[] gap, long[] delays) {
    }

    static Curve run(LeastSquares p, Method m, double lr, int workers, long gradients, long seed,
                     TimeDistribution computeTime) {
        int points = (int) (gradients / workers) + 1;
        double[] gap = new double[points];
        java.util.Arrays.fill(gap, Double.POSITIVE_INFINITY);
        ConsistencyModel model = m.synchronous() ? new Synchronous() : new Asynchronous();
        try (ParameterServerCore core = InProcessServer.core(InProcessServer.sgd(lr), model)) {
            core.setCompensation(m.compensation().get());
            SimulationConfig config = SimulationConfig.defaults().withComputeTime(computeTime).withSeed(seed);
            AsyncRuns.Outcome o = AsyncRuns.run(core, workers, r -> p.worker(BATCH, seed * 1_000L + r), gradients,
                    config, sim -> sim.onVersion((version, w, t) -> {
                        long done = m.synchronous() ? version * workers : version;
                        if (done % workers == 0 && done / workers < points) {
                            gap[(int) (done / workers)] = p.value(w) - p.optimum;
                        }
                    }));
            return new Curve(o.diverged() ? null : gap, o.stalenessHistogram());
        }
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        boolean quick = run.quick();
        LeastSquares p = new LeastSquares(quick ? QUICK_N : N, quick ? QUICK_D : D, run.seed());
        int workers = quick ? QUICK_WORKERS : WORKERS;
        long gradients = quick ? QUICK_GRADIENTS : GRADIENTS;
        double[] lrs = quick ? QUICK_LRS : LRS;
        long[] seeds = run.seeds(SEEDS, 2);
        TimeDistribution computeTime = run.computeTime();
        List<Method> methods = methods(workers);
        int n = seeds.length;
        int cells = lrs.length * n;
        List<Curve> all = Replicates.map(methods.size() * cells, k -> run(p, methods.get(k / cells),
                lrs[(k % cells) / n], workers, gradients, seeds[k % n], computeTime));
        Table table = new Table("method", "best eta", "final F - F*", "95% interval", "vs delay-adaptive (paired)",
                "95% interval ", "mean delay", "max delay");
        List<Run> runs = new ArrayList<>();
        List<Plots.Line> lines = new ArrayList<>();
        double[][] finals = new double[methods.size()][];
        int[] best = new int[methods.size()];
        for (int i = 0; i < methods.size(); i++) {
            double[][] scores = new double[lrs.length][n];
            for (int l = 0; l < lrs.length; l++) {
                for (int s = 0; s < n; s++) {
                    Curve c = all.get(i * cells + l * n + s);
                    scores[l][s] = c.gap() == null ? Double.POSITIVE_INFINITY : c.gap()[c.gap().length - 1];
                }
            }
            GridBest g = GridBest.of(scores);
            best[i] = g.best();
            finals[i] = scores[g.best()];
        }
        int da = methods.size() - 1;
        long[] delayHistogram = new long[0];
        for (int i = 0; i < methods.size(); i++) {
            Method m = methods.get(i);
            double[] f = finals[i];
            int diverged = 0;
            double sum = 0;
            long count = 0;
            long max = 0;
            int points = (int) (gradients / workers) + 1;
            double[][] curves = new double[points][n];
            for (int s = 0; s < n; s++) {
                Curve c = all.get(i * cells + best[i] * n + s);
                diverged += c.gap() == null ? 1 : 0;
                long[] h = c.delays();
                for (int t = 0; t < h.length; t++) {
                    sum += (double) t * h[t];
                    count += h[t];
                    if (h[t] > 0) {
                        max = Math.max(max, t);
                    }
                }
                if (i == 1) {
                    delayHistogram = add(delayHistogram, h);
                }
                for (int k = 0; k < points; k++) {
                    curves[k][s] = c.gap() == null ? Double.NaN : c.gap()[k];
                }
            }
            double[] x = new double[points];
            double[] y = new double[points];
            double[] e = new double[points];
            for (int k = 0; k < points; k++) {
                Interval iv = Interval.of(curves[k]);
                x[k] = (double) k * workers;
                y[k] = iv.mean();
                e[k] = 1.96 * iv.se();
            }
            lines.add(new Plots.Line(m.name() + " (eta " + Table.num(lrs[best[i]]) + ")", x, y, e));
            Interval fin = Interval.of(f);
            Interval vs = Interval.paired(f, finals[da]);
            runs.add(new Run(m.name(), lrs[best[i]], best[i] == 0 || best[i] == lrs.length - 1, fin, vs, diverged,
                    count == 0 ? 0 : sum / count, max));
            table.row(m.name(), Table.num(lrs[best[i]]) + (best[i] == 0 || best[i] == lrs.length - 1 ? " (grid edge)" : ""),
                    fin.format(5), fin.formatRange(), i == da ? "" : vs.format(5), i == da ? "" : vs.formatRange(),
                    Table.num(count == 0 ? 0 : sum / count), max);
        }
        table.writeCsv(run.file("results.csv"));
        Plots.lines(run.file("suboptimality.png"), "F(x) - F* against gradients computed, best eta each, mean and "
                + "95% interval over " + n + " seeds", "gradients computed", "F(x) - F*", lines, true);
        double[] tx = new double[delayHistogram.length];
        double[] ty = new double[delayHistogram.length];
        long within = 0;
        long total = 0;
        for (int t = 0; t < delayHistogram.length; t++) {
            tx[t] = t;
            ty[t] = delayHistogram[t];
            total += delayHistogram[t];
            within += t <= workers ? delayHistogram[t] : 0;
        }
        Plots.lines(run.file("delays.png"), "Delays of async SGD (all seeds), M = " + workers + ", max "
                + (delayHistogram.length - 1), "delay tau", "gradients", List.of(new Plots.Line("count", tx, ty)), false);
        double shareWithinM = total == 0 ? 0 : (double) within / total;
        Map<String, Object> summary = new java.util.LinkedHashMap<>();
        summary.put("n", p.n);
        summary.put("d", p.d);
        summary.put("batch", BATCH);
        summary.put("workers", workers);
        summary.put("gradients", gradients);
        summary.put("seeds", n);
        summary.put("learning_rates", lrs);
        summary.put("compute_time", computeTime.toString());
        summary.put("runs", runs);
        summary.put("delay_histogram", delayHistogram);
        summary.put("share_of_delays_up_to_M", shareWithinM);
        run.summary(name(), summary);
        run.report("Delay-adaptive step size (Mishchenko et al. 2022)",
                "Least squares, n = " + p.n + ", d = " + p.d + ", A ~ U[0,1]/√d, b = A·x* + 0.1·N(0,1); minibatch "
                        + BATCH + "; M = " + workers + " simulated workers, compute times " + computeTime + "; "
                        + gradients + " gradients computed per run. Minibatch SGD averages one gradient per worker "
                        + "per round (" + gradients / workers + " rounds); the asynchronous methods apply each "
                        + "gradient on arrival with η (fixed), η/τ, or η·M/max(M, τ). Each method's η is the best "
                        + "of " + java.util.Arrays.toString(lrs) + " by mean final F − F* over " + n + " paired "
                        + "seeds (schedule and minibatches; the data fixed by --seed). Intervals: 95 % t intervals; "
                        + "\"vs delay-adaptive\": paired differences of the final F − F*.",
                table, findings(runs, workers, shareWithinM, delayHistogram.length - 1),
                List.of("suboptimality.png", "delays.png"));
        return table;
    }

    private static long[] add(long[] a, long[] b) {
        long[] out = java.util.Arrays.copyOf(a, Math.max(a.length, b.length));
        for (int i = 0; i < b.length; i++) {
            out[i] += b[i];
        }
        return out;
    }

    /** What the table says, from its numbers. */
    static String findings(List<Run> runs, int workers, double shareWithinM, int maxDelay) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(java.util.Locale.ROOT, "%.1f %% of the asynchronous delays are at most M = %d; the "
                + "longest is %d. ", 100 * shareWithinM, workers, maxDelay));
        Run da = runs.get(runs.size() - 1);
        b.append("Delay-adaptive ends at F − F* = ").append(da.finalGap().format(5)).append(". ");
        for (Run r : runs.subList(0, runs.size() - 1)) {
            b.append(r.method()).append(" (η ").append(Table.num(r.lr())).append("): ").append(r.finalGap().format(5));
            if (r.vsDelayAdaptive().lo() > 0) {
                b.append(", higher than delay-adaptive (paired interval ").append(r.vsDelayAdaptive().formatRange())
                        .append(")");
            } else if (r.vsDelayAdaptive().hi() < 0) {
                b.append(", lower than delay-adaptive (paired interval ").append(r.vsDelayAdaptive().formatRange())
                        .append(")");
            } else {
                b.append(", not distinguishable from delay-adaptive (paired interval ")
                        .append(r.vsDelayAdaptive().formatRange()).append(")");
            }
            b.append(r.lrOnGridEdge() ? " [best η on the grid's edge]" : "").append("; ");
        }
        b.setLength(b.length() - 2);
        b.append('.');
        return b.toString();
    }
}
