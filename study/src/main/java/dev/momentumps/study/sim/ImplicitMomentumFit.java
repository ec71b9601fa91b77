package dev.momentumps.study.sim;


/**
 * The momentum a trajectory exhibits, fitted by {@link ImplicitMomentumEstimator}.
 *
 * @param mu       μ, the fitted total momentum
 * @param c        c, the fitted effective step size
 * @param rSquared 1 − SS_res/SS_tot of the fit (SS_tot = Σ‖Δₜ₊₁‖²); 1 is a perfect fit
 * @param steps    how many (Δₜ, Δₜ₊₁, ∇f(wₜ)) triples the fit used
 */
public record ImplicitMomentumFit(double mu, double c, double rSquared, long steps) {
}
