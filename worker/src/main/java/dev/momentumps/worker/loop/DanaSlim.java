package dev.momentumps.worker.loop;

/**
 * DANA-Slim's worker (Hakimi, Barkai, Gabel, Schuster, "Taming Momentum in a Distributed Asynchronous
 * Environment", arXiv:1907.11612): the worker keeps its own momentum vᵢ and, on each minibatch gradient g
 * (computed at the weights the server sent),
 * <pre>
 *   vᵢ <- γ vᵢ + g          (vᵢ₀ = 0)
 *   sends  g + γ vᵢ
 * </pre>
 * while the server runs plain SGD, θ <- θ − η·(g + γvᵢ). The server's θ is then DANA-Zero's look-ahead
 * x̂ = x − ηγΣⱼvⱼ, with no per-worker state on the server ({@code AsyncRulesInTheCoreTest}).
 */
public final class DanaSlim extends WorkerSideMethod {
    private final double gamma;
    private final float gammaF;
    private final float[] v;

    /** @param gamma the momentum γ, in [0, 1) */
    public DanaSlim(GradientSource inner, double gamma) {
        super(inner);
        this.gamma = unitInterval("--dana-slim", gamma);
        this.gammaF = (float) gamma;
        this.v = new float[n];
    }

    @Override
    public double next(float[] w, float[] g) {
        double loss = gradient(w, g, true);
        final float[] v = this.v;
        final float gm = gammaF;
        for (int i = 0; i < n; i++) {
            float vi = gm * v[i] + g[i];
            v[i] = vi;
            g[i] = g[i] + gm * vi;
        }
        return loss;
    }

    /** The worker's momentum vᵢ (live). */
    float[] velocity() {
        return v;
    }

    @Override
    public String toString() {
        return "dana-slim(gamma=" + gamma + ")";
    }
}
