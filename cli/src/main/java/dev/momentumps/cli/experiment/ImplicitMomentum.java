package dev.momentumps.cli.experiment;

import dev.momentumps.cli.report.Plots;
import dev.momentumps.cli.sim.SimulationConfig;
import dev.momentumps.cli.sim.SimulationResult;
import dev.momentumps.cli.sim.Simulator;
import dev.momentumps.cli.sim.TimeDistribution;
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
 * <p>Measured: the real core (plain SGD, learning rate η) and M simulated workers with Exp(1) compute times
 * on f(x) = ½(λ₁x₁² + λ₂x₂²); the weights averaged over {@value #REPLICATIONS} seeds of the schedule give
 * E[x_t], and least squares on Δ_t = μΔ_{t−1} − c·λᵢE[x_t] (both coordinates stacked, t ≥ M) gives μ and
 * c = η_eff. Two eigenvalues keep the regressors independent even when the mean decays as one exponential.
 */
public final class ImplicitMomentum implements Experiment {
    static final int[] WORKERS = {1, 2, 4, 8, 16};
    static final double[] LAMBDAS = {1.0, 0.25};
    static final double LR = 0.05;
    static final int UPDATES = 200;
    static final int REPLICATIONS = 300;

    /** One M: the fitted and predicted implicit momentum and effective learning rate. */
    public record Run(int workers, double measuredMomentum, double predictedMomentum, double measuredLr,
                      double predictedLr, double meanStaleness) {
    }

    @Override
    public String name() {
        return "implicit-momentum";
    }

    @Override
    public String description() {
        return "Mitliagkas et al. 2016: M async workers (Exp(1) times) make SGD act like momentum 1 - 1/M";
    }

    /** E[x_t] (t = 0 … UPDATES, per coordinate) over the replications, and the mean staleness seen. */
    static double[][] meanTrajectory(int workers, long seed, double[] meanStaleness) {
        double[][] mean = new double[UPDATES + 1][LAMBDAS.length];
        double stale = 0;
        for (int rep = 0; rep < REPLICATIONS; rep++) {
            List<GradientTask> sources = new ArrayList<>();
            for (int r = 0; r < workers; r++) {
                sources.add(new GradientTask(new QuadraticModel(LAMBDAS), DenseDataset.featureless(workers), r,
                        workers, 1, seed, 0));
            }
            // each worker gets a share of the updates: enough that none runs out before UPDATES
            long each = (UPDATES + workers - 1) / workers * 3L;
            SimulationConfig config = SimulationConfig.defaults()
                    .withComputeTime(new TimeDistribution.Exponential(1)).withSeed(seed * 100_003L + rep);
            try (ParameterServerCore core = InProcessServer.core(InProcessServer.sgd(LR))) {
                Simulator sim = new Simulator(core, sources, Collections.nCopies(workers, each), config);
                sim.onVersion((v, w, s) -> {
                    if (v <= UPDATES) {
                        for (int i = 0; i < LAMBDAS.length; i++) {
                            mean[(int) v][i] += w[i];
                        }
                    }
                });
                SimulationResult r = sim.run();
                stale += r.staleness().mean();
            }
        }
        for (double[] row : mean) {
            for (int i = 0; i < row.length; i++) {
                row[i] /= REPLICATIONS;
            }
        }
        meanStaleness[0] = stale / REPLICATIONS;
        return mean;
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
        Table table = new Table("workers M", "mean staleness", "M-1", "measured momentum", "predicted 1-1/M",
                "measured lr", "predicted lr/M");
        List<Run> runs = new ArrayList<>();
        List<Plots.Line> lines = new ArrayList<>();
        double[] t = new double[UPDATES + 1];
        for (int i = 0; i <= UPDATES; i++) {
            t[i] = i;
        }
        StringBuilder csv = new StringBuilder("workers,t,mean_x1,mean_x2\n");
        for (int m : WORKERS) {
            double[] stale = new double[1];
            double[][] x = meanTrajectory(m, run.seed(), stale);
            double[] f = fit(x, m);
            Run r = new Run(m, f[0], 1 - 1.0 / m, f[1], LR / m, stale[0]);
            runs.add(r);
            table.row(m, stale[0], m - 1, Table.fixed(f[0], 4), Table.fixed(r.predictedMomentum(), 4),
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
        Plots.lines(run.file("mean-trajectory.png"), "Plain SGD, M async workers: E[x1] over " + REPLICATIONS
                + " schedules (lambda 1, lr " + LR + ")", "update", "E[x1]", lines, false);
        run.summary(name(), Map.of("lr", LR, "lambdas", LAMBDAS, "updates", UPDATES, "replications", REPLICATIONS,
                "runs", runs));
        run.report("Asynchrony begets momentum (Mitliagkas et al. 2016)",
                "Plain SGD (η = " + LR + ") in the real server core; M ∈ {1, 2, 4, 8, 16} simulated asynchronous "
                        + "workers with Exp(1) compute times and no network delay (discrete-event simulator, "
                        + "virtual time) on f(x) = ½(x₁² + 0.25·x₂²) from (1, 1), exact gradients: the only "
                        + "randomness is the schedule. The first " + UPDATES + " updates are averaged over "
                        + REPLICATIONS + " schedule seeds to estimate E[x_t]; a least-squares fit of "
                        + "Δ_t = μΔ_{t−1} − c·λᵢE[x_t] (t ≥ M) gives the implicit momentum μ and the effective "
                        + "learning rate c. The paper's prediction: μ = 1 − 1/M, c = η/M.",
                table,
                "The staleness the core records is geometric with mean M − 1 (second and third columns), the "
                        + "premise of the paper's theorem. The fitted momentum grows with M as 1 − 1/M predicts and "
                        + "the effective learning rate falls like η/M: asynchrony alone turns plain SGD into "
                        + "heavy-ball momentum, so explicit momentum on top of it adds up (see momentum-vs-workers). "
                        + "Deviations from the prediction come from the average over a finite number of schedules "
                        + "(E[x_t] is estimated, and the fit amplifies its noise as the signal decays) and from "
                        + "the paper's assumption that the staleness is independent of the past; in the "
                        + "simulator it is only approximately so (the same worker's consecutive gradients are "
                        + "correlated through its own pull times).",
                List.of("mean-trajectory.png"));
        return table;
    }
}
