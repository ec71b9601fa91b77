package dev.momentumps.worker.loop;

/**
 * Local SGD, the worker side of SlowMo (Wang, Tantia, Ballas, Rabbat, "SlowMo: Improving
 * Communication-Efficient Distributed SGD with Slow Momentum", ICLR 2020, Algorithm 1): from the weights
 * x₀ the server sent, the worker takes H local steps of its base optimizer, SGD with heavy-ball momentum β
 * (0: plain SGD), learning rate γ,
 * <pre>
 *   for k = 0 … H−1:   d <- β d + ∇f(x_k),   x_{k+1} <- x_k − γ d
 *   sends  Δ = x₀ − x_H
 * </pre>
 * and the server takes the outer step on Δ (SlowMo's slow momentum: {@code --optimizer slowmo}; sgd with
 * lr 1: plain local SGD, the server adding each worker's displacement; in a synchronous round, averaging).
 * The local momentum buffer d is kept from one push to the next, as the paper's base optimizer keeps it.
 */
public final class LocalSgd extends WorkerSideMethod {
    private final int steps;
    private final double lr;
    private final double beta;
    private final float lrF;
    private final float betaF;
    private final float[] x;
    private final float[] d;
    private final float[] gk;

    /**
     * @param steps H, local steps per push, {@code >= 1}
     * @param lr    γ, the local learning rate, {@code > 0}
     * @param beta  the local heavy-ball momentum, in [0, 1)
     */
    public LocalSgd(GradientSource inner, int steps, double lr, double beta) {
        super(inner);
        this.steps = atLeastOne("--local-steps", steps);
        this.lr = positive("--local-lr", lr);
        this.beta = unitInterval("--local-momentum", beta);
        this.lrF = (float) lr;
        this.betaF = (float) beta;
        this.x = new float[n];
        this.d = new float[n];
        this.gk = new float[n];
    }

    @Override
    public double next(float[] w, float[] g) {
        final float[] x = this.x;
        final float[] d = this.d;
        final float[] gk = this.gk;
        System.arraycopy(w, 0, x, 0, n);
        double loss = 0;
        for (int k = 0; k < steps; k++) {
            loss += gradient(x, gk, k == 0);
            for (int i = 0; i < n; i++) {
                float di = betaF * d[i] + gk[i];
                d[i] = di;
                x[i] = x[i] - lrF * di;
            }
        }
        for (int i = 0; i < n; i++) {
            g[i] = w[i] - x[i];
        }
        return loss / steps;
    }

    @Override
    public int gradientsPerNext() {
        return steps;
    }

    @Override
    public String toString() {
        return "local-sgd(steps=" + steps + ", lr=" + lr + ", momentum=" + beta + ")";
    }
}
