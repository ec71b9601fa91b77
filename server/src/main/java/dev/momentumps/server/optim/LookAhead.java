package dev.momentumps.server.optim;

/**
 * Weights sent to a worker other than the server's live ones: look-ahead weights. An update rule or a
 * staleness compensation implements this when its method has a worker compute its gradient at a point
 * ahead of the current weights, for example
 * <ul>
 *   <li>textbook Nesterov momentum (Sutskever, Martens, Dahl, Hinton, "On the importance of initialization
 *       and momentum in deep learning", ICML 2013): the gradient is taken at θ − α·β·v, not at θ;</li>
 *   <li>DANA (Hakimi, Barkai, Gabel, Schuster, "Taming Momentum in a Distributed Asynchronous Environment",
 *       2019): worker m is sent x − η·γ·Σv, the weights extrapolated by the momentum of every worker.</li>
 * </ul>
 * The core calls it on every pull of a registered worker (never for an observer such as a monitor), under
 * its lock, whatever the transport, and then tells the staleness compensation the weights actually sent.
 * The transformed weights go through one model-sized scratch array the core allocates when the first
 * look-ahead pull happens; without a look-ahead the live weights go out with no copy.
 */
public interface LookAhead {
    /**
     * Whether worker {@code workerId} is sent look-ahead weights now; when false it gets the live weights.
     */
    boolean looksAhead(int workerId);

    /**
     * Writes the weights worker {@code workerId} is sent into {@code out}.
     *
     * @param weights the live weights (every row caught up); read only
     * @param lr      the learning rate the next update will use (the schedule's at the current version)
     * @param out     as long as {@code weights}; every element must be written
     */
    void lookAhead(int workerId, float[] weights, float lr, float[] out);

    /**
     * {@code out = weights − step·direction}, element-wise, with {@code step} rounded to float once: the
     * look-ahead of textbook Nesterov (direction m, step α·β) and DANA (direction Σv, step η·γ).
     */
    static void extrapolate(float[] weights, double step, float[] direction, float[] out) {
        final float s = (float) step;
        for (int i = 0; i < weights.length; i++) {
            out[i] = weights[i] - s * direction[i];
        }
    }
}
