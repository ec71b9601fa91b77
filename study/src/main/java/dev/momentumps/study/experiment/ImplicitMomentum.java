package dev.momentumps.study.experiment;

import dev.momentumps.study.report.Plots;
import dev.momentumps.study.sim.SimulationConfig;
import dev.momentumps.study.sim.SimulationResult;
import dev.momentumps.study.sim.Simulator;
import dev.momentumps.study.sim.TimeDistribution;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.worker.data.DenseDataset;
import dev.momentumps.worker.model.QuadraticModel;
import dev.momentumps.worker.task.GradientTask;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Mitliagkas, Zhang, Hadjis, Ré, "Asynchrony begets momentum, with an application to deep learning" (2016).
 * With M asynchronous workers whose compute times are exponential, the next gradient to arrive is from a
 * uniformly random worker (memorylessness), so a gradient's staleness τ is geometric,
 * P(τ = k) = p(1−p)ᵏ with p = 1/M. Taking expectations over the schedule (the paper's independence
 * assumption), plain SGD then obeys
 * <pre>  E[w_{t+1} − w_t] = (1 − p)·E[w_t − w_{t−1}] − pη·E[∇f(w_t)]</pre>
 * — heavy-ball momentum with μ_implicit = 1 − 1/M and learning rate η/M.
 *
 * <p>Measured: the real core (plain SGD, learning rate η) and M simulated workers (Exp(1) compute times
 * unless {@code --compute-time} says otherwise) on f(x) = ½(λ₁x₁² + λ₂x₂²); the weights averaged over R
 * seeds of the schedule give E[x_t], and least squares on Δ_t = μΔ_{t−1} − c·λᵢE[x_t] (both coordinates
 * stacked, t ≥ M) gives μ and c = η_eff: the paper's quantity, an expectation over schedules. The
 * regressors are themselves averages over R schedules, so the fit is biased towards 0 (errors in
 * variables) by an amount that falls like 1/R; the table shows the fit on R and, as the check that
 * isolates the bias, the mean of the fits on {@value #BATCHES} batches of R/{@value #BATCHES}. The fit on
 * one schedule's trajectory ({@code implicit_momentum} in a simulated run's summary.json) is a different
 * quantity: the momentum one realisation exhibits, which varies widely from run to run.
 */
public final class ImplicitMomentum implements Experiment {
    static final int[] WORKERS = {1, 2, 4, 8, 16};
    static final double[] LAMBDAS = {1.0, 0.25};
    static final double LR = 0.05;
    static final int UPDATES = 200;
    static final int REPLICATIONS = 10_000;
    static final int QUICK_REPLICATIONS = 400;
    /** Replications are run (and fitted separately) in this many batches. */
    static final int BATCHES = 20;

    /**
     * One M.
     *
     * @param measuredMomentum μ fitted on the mean of all R trajectories
     * @param momentumSe       its standard error (the spread of the batch fits over √BATCHES)
     * @param batchMomentum    the mean of the fits on BATCHES batches of R/BATCHES trajectories
     * @param perRunMomentum   the mean of the fits on single trajectories
     * @param perRunLow        their 5th percentile
     * @param perRunHigh       their 95th percentile
     */
    public record Run(int workers, int replications, double measuredMomentum, double momentumSe,
                      double batchMomentum, double perRunMomentum, double perRunLow, double perRunHigh,
                      double predictedMomentum, double measuredLr, double predictedLr, double meanStaleness) {
    }

    @Override
    public String name() {
        return "implicit-momentum";
    }

    @Override
    public String description() {
        return "Mitliagkas et al. 2016: M async workers (Exp(1) times) make SGD act like momentum 1 - 1/M";
    }

    /** The sums of one batch of replications: Σ x_t, Σ mean staleness, and each replication's own fit μ. */
    record Batch(double[][] sum, double staleness, double[] perRun) {
    }

    /** Replications {@code from} … {@code to − 1}: their trajectories summed and each one fitted alone. */
    static Batch batch(int workers, long seed, int from, int to, TimeDistribution computeTime) {
        double[][] sum = new double[UPDATES + 1][LAMBDAS.length];
        double[] perRun = new double[to - from];
        double stale = 0;
        for (int rep = from; rep < to; rep++) {
            double[][] x = new double[UPDATES + 1][LAMBDAS.length];
            List<GradientTask> sources = new ArrayList<>();
            for (int r = 0; r < workers; r++) {
                sources.add(new GradientTask(new QuadraticModel(LAMBDAS), DenseDataset.featureless(workers), r,
                        workers, 1, seed, 0));
            }
            // each worker gets a share of the updates: enough that none runs out before UPDATES
            long each = (UPDATES + workers - 1) / workers * 3L;
            SimulationConfig config = SimulationConfig.defaults().withComputeTime(computeTime)
                    .withSeed(seed * 100_003L + rep);
            try (ParameterServerCore core = InProcessServer.core(InProcessServer.sgd(LR))) {
                Simulator sim = new Simulator(core, sources, Collections.nCopies(workers, each), config);
                sim.onVersion((v, w, s) -> {
                    if (v <= UPDATES) {
                        for (int i = 0; i < LAMBDAS.length; i++) {
                            x[(int) v][i] = w[i];
                        }
                    }
                });
                SimulationResult r = sim.run();
                stale += r.staleness().mean();
            }
            for (int t = 0; t <= UPDATES; t++) {
                for (int i = 0; i < LAMBDAS.length; i++) {
                    sum[t][i] += x[t][i];
                }
            }
            perRun[rep - from] = fit(x, workers)[0];
        }
        return new Batch(sum, stale, perRun);
    }

    /** E[x_t] over {@code replications} schedules (t = 0 … UPDATES), and the mean staleness seen. */
    static double[][] meanTrajectory(int workers, long seed, int replications, double[] meanStaleness) {
        Batch b = batch(workers, seed, 0, replications, new TimeDistribution.Exponential(1));
        meanStaleness[0] = b.staleness() / replications;
        return scale(b.sum(), 1.0 / replications);
    }

    static double[][] scale(double[][] x, double f) {
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            out[t] = x[t].clone();
            for (int i = 0; i < out[t].length; i++) {
                out[t][i] *= f;
            }
        }
        return out;
    }

    /**
     * Least squares for Δ_t = μ·Δ_{t−1} − c·λᵢ·x_t over t in [from, UPDATES) and every coordinate, with
     * Δ_t = x_{t+1} − x_t. @return {μ, c}
     */
    static double[] fit(double[][] x, int from) {
        double saa = 0;
        double sab = 0;
        double sbb = 0;
        double say = 0;
        double sby = 0;
        for (int t = Math.max(1, from); t < x.length - 1; t++) {
            for (int i = 0; i < LAMBDAS.length; i++) {
                double a = x[t][i] - x[t - 1][i];
                double b = -LAMBDAS[i] * x[t][i];
                double y = x[t + 1][i] - x[t][i];
                saa += a * a;
                sab += a * b;
                sbb += b * b;
                say += a * y;
                sby += b * y;
            }
        }
        double det = saa * sbb - sab * sab;
        return new double[] {(say * sbb - sby * sab) / det, (saa * sby - sab * say) / det};
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        // here the seeds are the schedules averaged over: --seeds sets R
        int reps = run.seeds(REPLICATIONS, QUICK_REPLICATIONS).length;
        if (reps < 2 * BATCHES) {
            throw new IllegalArgumentException("--seeds must be >= " + 2 * BATCHES + " for implicit-momentum (the "
                    + "schedules are fitted in " + BATCHES + " batches), got " + reps);
        }
        TimeDistribution computeTime = run.computeTime();
        Table table = new Table("workers M", "mean staleness", "predicted 1-1/M", "mu, fit on E[x] (R reps)",
                "mu, mean of fits on R/" + BATCHES, "mu, one run's fit: mean [5%, 95%]", "measured lr",
                "predicted lr/M");
        List<Run> runs = new ArrayList<>();
        List<Plots.Line> lines = new ArrayList<>();
        double[] t = new double[UPDATES + 1];
        for (int i = 0; i <= UPDATES; i++) {
            t[i] = i;
        }
        StringBuilder csv = new StringBuilder("workers,t,mean_x1,mean_x2\n");
        for (int m : WORKERS) {
            List<Batch> batches = Replicates.map(BATCHES, k -> batch(m, run.seed(), k * reps / BATCHES,
                    (k + 1) * reps / BATCHES, computeTime));
            double[][] sum = new double[UPDATES + 1][LAMBDAS.length];
            double stale = 0;
            double[] batchMu = new double[BATCHES];
            double[] perRun = new double[reps];
            int at = 0;
            for (int k = 0; k < BATCHES; k++) {
                Batch b = batches.get(k);
                for (int i = 0; i <= UPDATES; i++) {
                    for (int j = 0; j < LAMBDAS.length; j++) {
                        sum[i][j] += b.sum()[i][j];
                    }
                }
                stale += b.staleness();
                int size = b.perRun().length;
                batchMu[k] = fit(scale(b.sum(), 1.0 / size), m)[0];
                System.arraycopy(b.perRun(), 0, perRun, at, size);
                at += size;
            }
            double[][] x = scale(sum, 1.0 / reps);
            double[] f = fit(x, m);
            Interval batch = Interval.of(batchMu);
            double[] sorted = perRun.clone();
            java.util.Arrays.sort(sorted);
            Run r = new Run(m, reps, f[0], batch.se(), batch.mean(), Interval.mean(perRun),
                    sorted[(int) (0.05 * (reps - 1))], sorted[(int) (0.95 * (reps - 1))], 1 - 1.0 / m, f[1], LR / m,
                    stale / reps);
            runs.add(r);
            table.row(m, r.meanStaleness(), Table.fixed(r.predictedMomentum(), 4),
                    Table.fixed(f[0], 4) + " ± " + Table.fixed(batch.se(), 4), Table.fixed(batch.mean(), 4),
                    Table.fixed(r.perRunMomentum(), 3) + " [" + Table.fixed(r.perRunLow(), 3) + ", "
                            + Table.fixed(r.perRunHigh(), 3) + "]",
                    Table.fixed(f[1], 5), Table.fixed(r.predictedLr(), 5));
            double[] x1 = new double[UPDATES + 1];
            for (int i = 0; i <= UPDATES; i++) {
                x1[i] = x[i][0];
                csv.append(m).append(',').append(i).append(',').append(x[i][0]).append(',').append(x[i][1])
                        .append('\n');
            }
            lines.add(new Plots.Line("M = " + m, t, x1));
        }
        java.nio.file.Files.writeString(run.file("mean-trajectories.csv"), csv);
        table.writeCsv(run.file("results.csv"));
        Plots.lines(run.file("mean-trajectory.png"), "Plain SGD, M async workers (" + computeTime + "): E[x1] over "
                + reps + " schedules (lambda 1, lr " + LR + ")", "update t", "E[x1]", lines, false);
        double[] ms = new double[WORKERS.length];
        double[] mu = new double[WORKERS.length];
        double[] muSe = new double[WORKERS.length];
        double[] pred = new double[WORKERS.length];
        double[] one = new double[WORKERS.length];
        for (int k = 0; k < WORKERS.length; k++) {
            ms[k] = WORKERS[k];
            mu[k] = runs.get(k).measuredMomentum();
            muSe[k] = 1.96 * runs.get(k).momentumSe();
            pred[k] = runs.get(k).predictedMomentum();
            one[k] = runs.get(k).perRunMomentum();
        }
        Plots.lines(run.file("momentum-vs-workers.png"), "Implicit momentum vs workers (" + computeTime + ")",
                "asynchronous workers M", "momentum mu", List.of(new Plots.Line("predicted 1 - 1/M", ms, pred),
                        new Plots.Line("fit on E[x] over " + reps + " schedules (95% bars)", ms, mu, muSe),
                        new Plots.Line("mean of one-run fits", ms, one)), false);
        run.summary(name(), Map.of("lr", LR, "lambdas", LAMBDAS, "updates", UPDATES, "replications", reps,
                "batches", BATCHES, "runs", runs));
        run.report("Asynchrony begets momentum (Mitliagkas et al. 2016)",
                "Plain SGD (η = " + LR + ") in the real server core; M ∈ {1, 2, 4, 8, 16} simulated asynchronous "
                        + "workers with " + computeTime + " compute times and no network delay (discrete-event "
                        + "simulator, virtual time) on f(x) = ½(x₁² + 0.25·x₂²) from (1, 1), exact gradients: the "
                        + "only randomness is the schedule. The first " + UPDATES + " updates are averaged over R = "
                        + reps + " schedule seeds to estimate E[x_t]; a least-squares fit of "
                        + "Δ_t = μΔ_{t−1} − c·λᵢE[x_t] (t ≥ M) gives the implicit momentum μ and the effective "
                        + "learning rate c (± is the standard error from " + BATCHES + " batches). The paper's "
                        + "prediction: μ = 1 − 1/M, c = η/M. \"mean of fits on R/" + BATCHES + "\" fits each batch's "
                        + "mean trajectory alone; \"one run's fit\" fits each single trajectory.",
                table,
                findings(runs, computeTime),
                List.of("momentum-vs-workers.png", "mean-trajectory.png"));
        return table;
    }

    static String findings(List<Run> runs, TimeDistribution computeTime) {
        StringBuilder b = new StringBuilder();
        Run last = runs.get(runs.size() - 1);
        b.append("With ").append(computeTime).append(" compute times (CV² ").append(Table.num(computeTime.cv2()))
                .append(") the fit on E[x] over ").append(last.replications()).append(" schedules gives μ = ");
        for (int k = 0; k < runs.size(); k++) {
            Run r = runs.get(k);
            b.append(k == 0 ? "" : ", ").append(Table.fixed(r.measuredMomentum(), 4)).append(" (M = ")
                    .append(r.workers()).append(", predicted ").append(Table.fixed(r.predictedMomentum(), 4)).append(')');
        }
        b.append(". The fits on batches of R/" + BATCHES + " schedules are lower (at M = ").append(last.workers())
                .append(": ").append(Table.fixed(last.batchMomentum(), 4)).append(" vs ")
                .append(Table.fixed(last.measuredMomentum(), 4)).append("): averaging fewer schedules leaves more "
                        + "noise in the regressors, which biases the least-squares μ towards 0 (errors in "
                        + "variables). A shortfall against 1 − 1/M that shrinks as R grows is that bias, not a "
                        + "failure of the paper's model. A single run's fit is another quantity: at M = ")
                .append(last.workers()).append(" it averages ").append(Table.fixed(last.perRunMomentum(), 3))
                .append(" and 90 % of runs fall in [").append(Table.fixed(last.perRunLow(), 3)).append(", ")
                .append(Table.fixed(last.perRunHigh(), 3)).append("]; the paper's μ is a property of the expected "
                        + "trajectory, not of one realisation. The staleness the core records has mean close to "
                        + "M − 1 (the start and end of each run are fresher). 1 − 1/M rests on memoryless compute "
                        + "times (the next gradient comes from a uniformly random worker); run with "
                        + "--compute-time gamma:100:0.01 (nearly constant times, round-robin order) to see what "
                        + "happens when that fails.");
        return b.toString();
    }
}
