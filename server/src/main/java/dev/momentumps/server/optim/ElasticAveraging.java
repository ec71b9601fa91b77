package dev.momentumps.server.optim;

/**
 * The center variable of asynchronous EASGD and EAMSGD (Zhang, Choromanska, LeCun, "Deep learning with
 * Elastic Averaging SGD", NeurIPS 2015, Algorithms 1 and 2). Each worker sends its own weights xᵢ (not a
 * gradient) every τ local steps, and the server moves the center toward them with the moving rate α:
 * <pre>
 *   x̃ <- x̃ + α (xᵢ − x̃)
 * </pre>
 * while the worker moves toward the center it read by the same amount ({@code mps worker --elastic α}, which
 * {@code mps train} sets from this rule's lr). The learning rate of this rule is α, in (0, 1]; a schedule
 * scales it. In a synchronous round the pushed weights are averaged, x̃ <- x̃ + α(x̄ − x̃) (the paper's
 * synchronous EASGD with β = α·p takes x̃ + β(x̄ − x̃), so β is this rule's α there). Stateless; no weight
 * decay (the pushed vector is weights).
 */
public final class ElasticAveraging extends AbstractUpdateRule {

    /** @param alpha the moving rate α, in (0, 1] */
    public ElasticAveraging(double alpha) {
        super("easgd", checkedAlpha(alpha), 0);
    }

    private static double checkedAlpha(double alpha) {
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("lr (the moving rate alpha of easgd) must be in (0, 1], got " + alpha);
        }
        return alpha;
    }

    @Override
    protected void onInitialize() {
        // stateless
    }

    /** {@code g} holds the worker's weights xᵢ. */
    @Override
    public void apply(float[] w, float[] g, int gFrom, int from, int to, long t, float lr) {
        checkRange(w, g, gFrom, from, to, t);
        final int d = gFrom - from; // element i's gradient is g[i + d]
        for (int i = from; i < to; i++) {
            float wi = w[i];
            w[i] = wi + lr * (gradientAt(g, i, d) - wi);
        }
    }

    @Override
    protected String hyperParameters() {
        return "";
    }
}
