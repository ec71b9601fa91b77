package dev.momentumps.server.optim;

/**
 * DANA-Zero (Hakimi, Barkai, Gabel, Schuster, "Taming Momentum in a Distributed Asynchronous Environment",
 * arXiv:1907.11612): Nesterov momentum adapted to asynchrony. The server keeps one momentum vector per
 * worker and their sum; on worker i's gradient g (plus optional L2 weight decay λθ):
 * <pre>
 *   vᵢ <- γ vᵢ + g                 (vᵢ₀ = 0)
 *   θ  <- θ − η vᵢ
 * </pre>
 * and it sends worker i the look-ahead x̂ = θ − η·γ·Σⱼ vⱼ instead of θ ({@link LookAhead}): the weights
 * extrapolated by the momentum of every worker, which is where θ will be after the other workers' pending
 * updates, if each of them repeats its last one. With one worker this is Nesterov's accelerated gradient
 * (the look-ahead θ − ηγv and torch's {@code nesterov=True} iterate coincide).
 *
 * <p>DANA-Slim, the paper's variant without per-worker state on the server, is a worker option: the worker
 * keeps its vᵢ, sends g + γ·vᵢ after vᵢ <- γvᵢ + g, and the server runs plain SGD; its weights are then
 * exactly DANA-Zero's look-ahead x̂ (up to float rounding).
 *
 * <p>The number of workers W is a hyper-parameter: the state is Σv ({@value #SUM}) and one vector per worker
 * ({@code velocity/0} … {@code velocity/W−1}), all checkpointed (memory (W+1)·n floats). Only asynchronous
 * updates (one gradient each) are defined; a round that averages several workers' gradients is refused.
 * Σv is kept incrementally, Σ <- Σ + (vᵢ' − vᵢ), in float32.
 */
public final class DanaZero extends AbstractUpdateRule implements LookAhead, UpdateOrigin {
    static final String SUM = "velocity_sum";

    private final double gamma;
    private final float gammaF;
    private final int workers;
    private float[] sum;
    private float[][] velocity;
    private float[] current;

    /**
     * @param lr          learning rate η, {@code > 0}
     * @param gamma       momentum γ, in [0, 1)
     * @param workers     W, the number of workers (ids 0..W−1), {@code >= 1}
     * @param weightDecay L2 weight decay λ, {@code >= 0}
     */
    public DanaZero(double lr, double gamma, int workers, double weightDecay) {
        super("dana", lr, weightDecay, stateNames(workers));
        this.gamma = Checks.unitInterval("beta", gamma);
        this.gammaF = (float) gamma;
        this.workers = workers;
    }

    private static String[] stateNames(int workers) {
        Checks.atLeastOne("workers", workers);
        String[] names = new String[workers + 1];
        names[0] = SUM;
        for (int i = 0; i < workers; i++) {
            names[i + 1] = velocityName(i);
        }
        return names;
    }

    static String velocityName(int workerId) {
        return "velocity/" + workerId;
    }

    @Override
    protected void onInitialize() {
        sum = stateVector(SUM);
        velocity = new float[workers][];
        for (int i = 0; i < workers; i++) {
            velocity[i] = stateVector(velocityName(i));
        }
        current = null;
    }

    @Override
    public void beforeUpdate(int workerId, long baseVersion, long version, float[] gradient, float[] weights) {
        if (workerId == SEVERAL) {
            throw new IllegalStateException("dana takes one worker's gradient per update (--mode async); this "
                    + "update averages several");
        }
        if (workerId < 0 || workerId >= workers) {
            throw new IllegalStateException("dana: worker " + workerId + " is beyond the " + workers
                    + " workers it keeps momentum for (workers=" + workers + ")");
        }
        current = velocity[workerId];
    }

    @Override
    public void apply(float[] w, float[] g, int gFrom, int from, int to, long t, float lr) {
        checkRange(w, g, gFrom, from, to, t);
        final int d = gFrom - from; // element i's gradient is g[i + d]
        final float[] v = current;
        if (v == null) {
            throw new IllegalStateException("dana: apply without beforeUpdate (the core names the worker first)");
        }
        final float[] s = sum;
        final float negLr = -lr;
        for (int i = from; i < to; i++) {
            float wi = w[i];
            float old = v[i];
            float vi = old * gammaF + decayed(gradientAt(g, i, d), wi);
            v[i] = vi;
            s[i] = s[i] + (vi - old);
            w[i] = wi + negLr * vi;
        }
    }

    @Override
    public boolean looksAhead(int workerId) {
        return true;
    }

    /** θ − η·γ·Σⱼvⱼ (the same for every worker). */
    @Override
    public void lookAhead(int workerId, float[] weights, float lr, float[] out) {
        LookAhead.extrapolate(weights, (double) lr * gamma, sum, out);
    }

    public int workers() {
        return workers;
    }

    @Override
    protected String hyperParameters() {
        return "beta=" + gamma + ", workers=" + workers;
    }
}
