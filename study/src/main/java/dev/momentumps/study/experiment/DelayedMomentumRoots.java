package dev.momentumps.study.experiment;


/**
 * The stability of heavy-ball momentum with τ-stale gradients on f(x) = λx²/2, from its characteristic
 * polynomial.
 *
 * <p>Heavy ball v_{t+1} = βv_t + g_t, x_{t+1} = x_t − ηv_{t+1} gives x_{t+1} − x_t = β(x_t − x_{t−1}) − ηg_t.
 * With a gradient exactly τ steps stale, g_t = λx_{t−τ}, so with a = ηλ:
 * <pre>  x_{t+1} = (1+β)x_t − βx_{t−1} − a·x_{t−τ}.</pre>
 * Putting x_t = zᵗ and dividing by z^{t−τ} (τ ≥ 1) gives the characteristic polynomial of degree τ+1
 * <pre>  p(z) = z^{τ+1} − (1+β)z^τ + βz^{τ−1} + a = z^{τ−1}(z² − (1+β)z + β) + a,</pre>
 * and for τ = 0 (divide by z^{t−1}) {@code p(z) = z² − (1+β−a)z + β}. Every solution is a combination of
 * zᵗ over the roots (times powers of t for repeated roots), so the iteration is stable iff every root has
 * |z| < 1. At τ = 0 the Jury conditions give β < 1 and |1+β−a| < 1+β, i.e. 0 < a < 2 + 2β (D2L §12.6.3).
 *
 * <p>The roots are found numerically with the Durand–Kerner (Weierstrass) iteration in double precision;
 * the edge is the bisection point of max|z| = 1 on a ∈ (0, 4], the first a at which a root leaves the
 * unit disc (for small a > 0 the root near 1 moves inside, to about 1 − a/(1−β)).
 */
final class DelayedMomentumRoots {
    private static final int MAX_ITERATIONS = 2000;

    private DelayedMomentumRoots() {
    }

    /** p's coefficients, highest power first (monic). */
    static double[] coefficients(double beta, int tau, double a) {
        if (tau == 0) {
            return new double[] {1, -(1 + beta - a), beta};
        }
        double[] c = new double[tau + 2];
        c[0] = 1;
        c[1] = -(1 + beta);
        c[2] += beta;
        c[tau + 1] += a;
        return c;
    }

    /** The largest root modulus of p: below 1 means stable. */
    static double spectralRadius(double beta, int tau, double a) {
        double[][] roots = roots(coefficients(beta, tau, a));
        double max = 0;
        for (int i = 0; i < roots[0].length; i++) {
            max = Math.max(max, Math.hypot(roots[0][i], roots[1][i]));
        }
        return max;
    }

    /** The largest a = ηλ with every root inside the unit disc, by bisection on (0, 4]. */
    static double edge(double beta, int tau) {
        double lo = 0;
        double hi = 4;
        if (spectralRadius(beta, tau, hi) < 1) {
            throw new IllegalStateException("a = 4 is still stable for beta " + beta + ", delay " + tau);
        }
        for (int i = 0; i < 60; i++) {
            double mid = 0.5 * (lo + hi);
            if (spectralRadius(beta, tau, mid) < 1) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * All roots of the monic polynomial {@code c} (highest power first) by Durand–Kerner:
     * zᵢ ← zᵢ − p(zᵢ) / Π_{j≠i}(zᵢ − zⱼ), started at (0.4 + 0.9i)^k. @return {re[], im[]}
     */
    static double[][] roots(double[] c) {
        int n = c.length - 1;
        double[] re = new double[n];
        double[] im = new double[n];
        double pr = 1;
        double pi = 0;
        for (int k = 0; k < n; k++) {
            re[k] = pr;
            im[k] = pi;
            double r = pr * 0.4 - pi * 0.9;
            pi = pr * 0.9 + pi * 0.4;
            pr = r;
        }
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            double change = 0;
            for (int i = 0; i < n; i++) {
                // p(z_i) by Horner
                double vr = c[0];
                double vi = 0;
                for (int k = 1; k <= n; k++) {
                    double r = vr * re[i] - vi * im[i] + c[k];
                    vi = vr * im[i] + vi * re[i];
                    vr = r;
                }
                // Π_{j≠i} (z_i − z_j)
                double dr = 1;
                double di = 0;
                for (int j = 0; j < n; j++) {
                    if (j != i) {
                        double ar = re[i] - re[j];
                        double ai = im[i] - im[j];
                        double r = dr * ar - di * ai;
                        di = dr * ai + di * ar;
                        dr = r;
                    }
                }
                double den = dr * dr + di * di;
                if (den == 0) {
                    dr = 1e-12;
                    den = dr * dr;
                }
                double qr = (vr * dr + vi * di) / den;
                double qi = (vi * dr - vr * di) / den;
                re[i] -= qr;
                im[i] -= qi;
                change = Math.max(change, Math.hypot(qr, qi));
            }
            if (change < 1e-15) {
                break;
            }
        }
        return new double[][] {re, im};
    }
}
