package dev.momentumps.study.sim;


/**
 * Estimates the total (explicit + implicit) momentum of a trajectory, after Mitliagkas, Zhang, Hadjis, Ré,
 * "Asynchrony begets Momentum, with an Application to Deep Learning" (Allerton 2016): with Δₜ = wₜ − wₜ₋₁
 * and ∇f the full gradient, fit
 *
 * <pre>  Δₜ₊₁ ≈ μ·Δₜ − c·∇f(wₜ)</pre>
 *
 * by least squares over every t, i.e. minimise Σₜ ‖Δₜ₊₁ − μΔₜ + c∇f(wₜ)‖², whose normal equations are
 *
 * <pre>
 *   μ·ΣΔₜ·Δₜ   − c·ΣΔₜ·∇ₜ  =  ΣΔₜ·Δₜ₊₁
 *  −μ·Σ∇ₜ·Δₜ  + c·Σ∇ₜ·∇ₜ  = −Σ∇ₜ·Δₜ₊₁
 * </pre>
 *
 * Plain SGD with full gradients gives μ = 0, c = η; heavy-ball with β gives μ = β, c = η; asynchronous SGD
 * on W workers shows μ > 0 (the paper predicts about 1 − 1/W). Feed it the weights of consecutive
 * versions with {@link #observe}; it keeps only the last two and six running sums (in double), and
 * computes one full gradient per version.
 */
public final class ImplicitMomentumEstimator {

    /** The full gradient ∇f(w) written into g. */
    public interface Gradient {
        void at(float[] w, float[] g);
    }

    private final Gradient gradient;
    private final float[] prev;
    private final float[] grad;
    private final double[] delta;
    private long seen;
    private double dd; // ΣΔₜ·Δₜ
    private double dg; // ΣΔₜ·∇ₜ
    private double gg; // Σ∇ₜ·∇ₜ
    private double dn; // ΣΔₜ·Δₜ₊₁
    private double gn; // Σ∇ₜ·Δₜ₊₁
    private double nn; // ΣΔₜ₊₁·Δₜ₊₁
    private long steps;

    /**
     * The estimator for a task whose full gradient is cheap and meaningful (quadratic and linear models, as
     * the paper uses it), or null for other models.
     */
    public static ImplicitMomentumEstimator forTask(dev.momentumps.worker.task.Task task) {
        dev.momentumps.worker.model.Model model = task.model();
        if (!(model instanceof dev.momentumps.worker.model.QuadraticModel
                || model instanceof dev.momentumps.worker.model.LinearRegression)) {
            return null;
        }
        dev.momentumps.worker.data.Dataset train = task.train();
        int[] all = new int[train.rows()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return new ImplicitMomentumEstimator(model.layout().numElements(),
                (w, g) -> model.lossAndGradient(w, train, all, all.length, g));
    }

    public ImplicitMomentumEstimator(int n, Gradient gradient) {
        this.gradient = gradient;
        this.prev = new float[n];
        this.grad = new float[n];
        this.delta = new double[n];
    }

    /** The weights of the next version (w₀, w₁, w₂, … in order; not kept). */
    public void observe(float[] w) {
        if (w.length != prev.length) {
            throw new IllegalArgumentException("weights have " + w.length + " elements, expected " + prev.length);
        }
        if (seen >= 2) {
            // prev = wₜ, delta = Δₜ, grad = ∇f(wₜ); w = wₜ₊₁
            double sdd = 0;
            double sdg = 0;
            double sgg = 0;
            double sdn = 0;
            double sgn = 0;
            double snn = 0;
            for (int i = 0; i < w.length; i++) {
                double d = delta[i];
                double g = grad[i];
                double next = (double) w[i] - prev[i];
                sdd += d * d;
                sdg += d * g;
                sgg += g * g;
                sdn += d * next;
                sgn += g * next;
                snn += next * next;
            }
            dd += sdd;
            dg += sdg;
            gg += sgg;
            dn += sdn;
            gn += sgn;
            nn += snn;
            steps++;
        }
        if (seen >= 1) {
            for (int i = 0; i < w.length; i++) {
                delta[i] = (double) w[i] - prev[i];
            }
            gradient.at(w, grad);
        }
        System.arraycopy(w, 0, prev, 0, w.length);
        seen++;
    }

    /** The fit so far; NaNs when fewer than two steps were seen or the system is singular. */
    public ImplicitMomentumFit estimate() {
        double det = dd * gg - dg * dg;
        if (steps < 2 || !(Math.abs(det) > 1e-300)) {
            return new ImplicitMomentumFit(Double.NaN, Double.NaN, Double.NaN, steps);
        }
        // [dd  -dg] [mu]   [ dn]
        // [-dg  gg] [c ] = [-gn]
        double mu = (dn * gg - dg * gn) / det;
        double c = (dd * -gn + dg * dn) / det;
        double residual = nn - 2 * mu * dn + 2 * c * gn + mu * mu * dd - 2 * mu * c * dg + c * c * gg;
        double r2 = nn > 0 ? 1 - residual / nn : Double.NaN;
        return new ImplicitMomentumFit(mu, c, r2, steps);
    }
}
