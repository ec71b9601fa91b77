package dev.momentumps.worker.loop;

/**
 * The worker of asynchronous EASGD and EAMSGD (Zhang, Choromanska, LeCun, "Deep learning with Elastic
 * Averaging SGD", NeurIPS 2015, Algorithms 1 and 2). The worker keeps its own weights xᵢ, linked to the
 * server's center x̃ by an elastic force of moving rate α; every τ = H local steps it communicates:
 * <pre>
 *   x  = xᵢ                                   (if τ divides t)
 *   xᵢ <- xᵢ − α (x − x̃)                      worker, with the center x̃ it last read
 *   x̃  <- x̃ + α (x − x̃)                       server ({@code --optimizer easgd}, lr α), sent x
 *   vᵢ <- δ vᵢ − η ∇f(x + δ vᵢ),  xᵢ <- xᵢ + vᵢ   every step (EASGD: δ = 0, xᵢ <- xᵢ − η∇f(x))
 * </pre>
 * One {@link #next} is one period: the elastic pull owed from the previous push enters the first local step
 * (whose gradient is taken at the point before it, as in the algorithms), then H local steps, then the
 * worker's weights xᵢ are what it sends; the elastic difference is taken against the weights the server
 * sent with the previous reply (x̃ as read before this push lands; with one worker exactly the server's).
 * xᵢ starts at the first weights the server sends.
 */
public final class ElasticWorker extends WorkerSideMethod {
    private final int steps;
    private final double lr;
    private final double alpha;
    private final double delta;
    private final float lrF;
    private final float alphaF;
    private final float deltaF;
    private final float[] x;
    private final float[] v;
    private final float[] elastic;
    private final float[] at;
    private final float[] gk;
    private boolean started;

    /**
     * @param steps H = τ, local steps per push, {@code >= 1}
     * @param lr    η, the local learning rate, {@code > 0}
     * @param alpha α, the moving rate, in (0, 1)
     * @param delta δ, EAMSGD's Nesterov momentum, in [0, 1) (0: EASGD)
     */
    public ElasticWorker(GradientSource inner, int steps, double lr, double alpha, double delta) {
        super(inner);
        this.steps = atLeastOne("--local-steps", steps);
        this.lr = positive("--local-lr", lr);
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("--elastic (the moving rate alpha) must be in (0, 1), got " + alpha);
        }
        this.alpha = alpha;
        this.delta = unitInterval("--local-momentum", delta);
        this.lrF = (float) lr;
        this.alphaF = (float) alpha;
        this.deltaF = (float) delta;
        this.x = new float[n];
        this.v = new float[n];
        this.elastic = new float[n];
        this.at = new float[n];
        this.gk = new float[n];
    }

    @Override
    public double next(float[] w, float[] g) {
        final float[] x = this.x;
        final float[] v = this.v;
        final float[] e = this.elastic;
        final float[] at = this.at;
        final float[] gk = this.gk;
        if (!started) {
            System.arraycopy(w, 0, x, 0, n);
            started = true;
        }
        final float dl = deltaF;
        final float negLr = -lrF;
        double loss = 0;
        for (int k = 0; k < steps; k++) {
            for (int i = 0; i < n; i++) {
                at[i] = x[i] + dl * v[i];
            }
            loss += gradient(at, gk, k == 0);
            for (int i = 0; i < n; i++) {
                float vi = dl * v[i] + negLr * gk[i];
                v[i] = vi;
                x[i] = (x[i] - e[i]) + vi;
                e[i] = 0f;
            }
        }
        final float a = alphaF;
        for (int i = 0; i < n; i++) {
            float xi = x[i];
            g[i] = xi;
            e[i] = a * (xi - w[i]);
        }
        return loss / steps;
    }

    @Override
    public int gradientsPerNext() {
        return steps;
    }

    /** The worker's own weights xᵢ (live). */
    float[] local() {
        return x;
    }

    @Override
    public String toString() {
        return (delta == 0 ? "easgd" : "eamsgd") + "(steps=" + steps + ", lr=" + lr + ", alpha=" + alpha
                + (delta == 0 ? "" : ", delta=" + delta) + ")";
    }
}
