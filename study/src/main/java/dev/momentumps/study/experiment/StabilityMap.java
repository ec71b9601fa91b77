package dev.momentumps.study.experiment;

import dev.momentumps.study.report.Plots;
import dev.momentumps.worker.data.DenseDataset;
import dev.momentumps.worker.model.QuadraticModel;
import dev.momentumps.worker.task.GradientTask;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How staleness shrinks momentum's stable step size: heavy ball on f(x) = λx²/2 (λ = 1, x₀ = 1) with every
 * gradient exactly τ updates stale ({@link DelayedWorker}, through the server core). For each β and τ the
 * largest stable ηλ is found by bisection on simulated runs, and set beside the edge predicted from the
 * roots of the characteristic polynomial ({@link DelayedMomentumRoots}).
 *
 * <p>A run counts as stable when its largest |x| over the last {@value #WINDOW} of {@value #STEPS} steps is
 * below its largest |x| over the {@value #WINDOW} steps before the midpoint: the ratio is about
 * ρ^{STEPS/2} for the spectral radius ρ, so the test resolves |ρ − 1| down to ~10⁻³ whatever the transient.
 * A run whose |x| stays below 10⁻²⁵ for a whole window is stable (it stops there, before float32 underflow,
 * where rounding at the denormal scale can keep a tiny limit cycle alive); one passing 10¹² is unstable.
 */
public final class StabilityMap implements Experiment {
    static final double[] BETAS = {0, 0.25, 0.5, 0.75, 0.9};
    static final int[] DELAYS = {0, 1, 2, 4, 8};
    static final int STEPS = 3000;
    static final int WINDOW = 200;
    static final int BISECTIONS = 18;
    private static final double BLOWUP = 1e12;
    private static final double NEGLIGIBLE = 1e-25;

    /** One cell: the measured and predicted largest stable ηλ. */
    public record Edge(double beta, int delay, double measured, double predicted) {
    }

    @Override
    public String name() {
        return "stability-map";
    }

    @Override
    public String description() {
        return "largest stable lr*lambda of heavy ball with tau-stale gradients, measured vs characteristic roots";
    }

    /** Whether heavy ball with (η = a, β) and delay τ decays on λ = 1, judged from a simulated run. */
    static boolean stable(double beta, int tau, double a) {
        double[] max = new double[3]; // [0] before the midpoint, [1] at the end, [2] the current block
        int[] verdict = new int[1]; // 0 undecided, 1 stable, -1 unstable
        GradientTask worker = new GradientTask(new QuadraticModel(new double[] {1.0}, new float[] {1f}),
                DenseDataset.featureless(1), 0, 1, 1, 0, 0);
        DelayedWorker.run(InProcessServer.momentum(a, beta), worker, STEPS, tau, (t, x) -> {
            double v = Math.abs(x[0]);
            if (v > BLOWUP) {
                verdict[0] = -1;
                return false;
            }
            max[2] = Math.max(max[2], v);
            if (t % WINDOW == WINDOW - 1) {
                if (max[2] < NEGLIGIBLE) {
                    // decayed by 25 orders of magnitude over a whole block: stable. Stop before float32
                    // underflow, where rounding can sustain a limit cycle at the denormal scale.
                    verdict[0] = 1;
                    return false;
                }
                max[2] = 0;
            }
            if (t >= STEPS / 2 - WINDOW && t < STEPS / 2) {
                max[0] = Math.max(max[0], v);
            } else if (t > STEPS - WINDOW) {
                max[1] = Math.max(max[1], v);
            }
            return true;
        });
        return verdict[0] != 0 ? verdict[0] > 0 : max[1] < max[0];
    }

    /** The measured edge: bisection of {@link #stable} on (0, 4]. */
    static double measuredEdge(double beta, int tau) {
        double lo = 0;
        double hi = 4;
        if (stable(beta, tau, hi)) {
            throw new IllegalStateException("lr*lambda = 4 is still stable for beta " + beta + ", delay " + tau);
        }
        for (int i = 0; i < BISECTIONS; i++) {
            double mid = 0.5 * (lo + hi);
            if (stable(beta, tau, mid)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    @Override
    public Table run(RunDirectory run) throws IOException {
        Table table = new Table("beta", "delay", "measured edge", "predicted edge", "difference", "2+2beta");
        List<Edge> edges = new ArrayList<>();
        double[][] measured = new double[DELAYS.length][BETAS.length];
        List<Plots.Line> lines = new ArrayList<>();
        List<Plots.Line> predictions = new ArrayList<>();
        for (int b = 0; b < BETAS.length; b++) {
            double[] tau = new double[DELAYS.length];
            double[] m = new double[DELAYS.length];
            double[] p = new double[DELAYS.length];
            for (int d = 0; d < DELAYS.length; d++) {
                double beta = BETAS[b];
                int delay = DELAYS[d];
                m[d] = measuredEdge(beta, delay);
                p[d] = DelayedMomentumRoots.edge(beta, delay);
                tau[d] = delay;
                measured[d][b] = m[d];
                edges.add(new Edge(beta, delay, m[d], p[d]));
                table.row(beta, delay, Table.fixed(m[d], 4), Table.fixed(p[d], 4), Table.num(m[d] - p[d]),
                        delay == 0 ? Table.fixed(2 + 2 * beta, 4) : "");
            }
            lines.add(new Plots.Line("beta " + BETAS[b], tau, m));
            predictions.add(new Plots.Line("beta " + BETAS[b] + " predicted", tau, p));
        }
        table.writeCsv(run.file("edges.csv"));
        List<String> cols = new ArrayList<>();
        for (double b : BETAS) {
            cols.add(Table.num(b));
        }
        List<String> rows = new ArrayList<>();
        for (int d : DELAYS) {
            rows.add(Integer.toString(d));
        }
        Plots.heatMap(run.file("stability-map.png"), "Largest stable lr*lambda, measured (log colour scale)",
                "momentum beta", "gradient staleness tau (updates)", cols, rows, measured, "0.000", true,
                "largest stable lr*lambda");
        Plots.measuredVsPredicted(run.file("edges.png"), "Largest stable lr*lambda vs staleness (markers: "
                + "measured, lines: predicted)", "staleness tau (updates)", "largest stable lr*lambda", lines,
                predictions, true);
        run.summary(name(), Map.of("steps", STEPS, "edges", edges));
        run.report("Stability of heavy-ball momentum under exact staleness",
                "Heavy ball (v ← βv + g, x ← x − ηv) on f(x) = x²/2 from x₀ = 1 through the server core, each "
                        + "gradient computed on the weights exactly τ updates old (base version t − τ). A run of "
                        + STEPS + " steps is stable when |x| over its last " + WINDOW + " steps stays below |x| "
                        + "just before its midpoint; the measured edge is " + BISECTIONS + " bisection steps on "
                        + "ηλ ∈ (0, 4]. Prediction: the iteration is x_{t+1} = (1+β)x_t − βx_{t−1} − ηλ·x_{t−τ}; "
                        + "with x_t = zᵗ its characteristic polynomial is z^{τ+1} − (1+β)z^τ + βz^{τ−1} + ηλ for "
                        + "τ ≥ 1 and z² − (1+β−ηλ)z + β for τ = 0; the edge is where the largest root modulus "
                        + "(Durand–Kerner in double) reaches 1.",
                table,
                "At τ = 0 the edge is D2L's 2 + 2β: without staleness momentum lets the step grow with β. "
                        + "One step of staleness reverses that: at τ = 1 the polynomial is z² − (1+β)z + β + ηλ and "
                        + "its constant term (the product of the roots) must stay below 1, so the edge is 1 − β — "
                        + "it now falls with β. For plain SGD (β = 0) the edges are 2·sin(π/(2(2τ+1))) (1, 0.618, "
                        + "0.347, 0.185 for τ = 1, 2, 4, 8), the known result for delayed gradient descent, roughly "
                        + "π/(2τ); with momentum they are (1 − β) times that at τ = 1 and 10–25 % below it at larger τ: "
                        + "the effective step η/(1 − β) must stay under the delayed-SGD edge. So under staleness the safe η shrinks like "
                        + "1/τ (the rationale of η/τ, Zhang et al. 2016) and explicit momentum costs stability "
                        + "instead of buying it (the rationale of reducing β under asynchrony, Mitliagkas et al. "
                        + "2016). Measured and predicted edges agree to ~10⁻⁵ (difference column), the bisection's "
                        + "resolution; the server's float32 arithmetic does not move them.",
                List.of("stability-map.png", "edges.png"));
        return table;
    }
}
