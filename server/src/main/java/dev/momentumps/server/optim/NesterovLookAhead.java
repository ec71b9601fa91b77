package dev.momentumps.server.optim;

/**
 * Nesterov momentum as the textbook writes it, in exponential-moving-average form, with the gradient taken
 * at the look-ahead point:
 * <pre>
 *   m_t = β m_{t−1} + (1 − β) ∇L(θ_{t−1} − α β m_{t−1})        (m₀ = 0)
 *   θ_t = θ_{t−1} − α m_t
 * </pre>
 * The server keeps θ and m and sends every worker the look-ahead weights θ − α·β·m ({@link LookAhead}), α
 * being the learning rate of the next update; optional L2 weight decay adds λθ (the live weights) to the
 * gradient.
 *
 * <p>Source: Sutskever, Martens, Dahl, Hinton, "On the importance of initialization and momentum in deep
 * learning", ICML 2013, eq. (3)–(4): v_t = μ v_{t−1} − ε ∇f(θ_{t−1} + μ v_{t−1}), θ_t = θ_{t−1} + v_t. With
 * v = −α m, μ = β and ε = α(1 − β) that is the recursion above, and the look-ahead point θ + μv is
 * θ − αβm: the point the momentum part of the next step reaches. (A look-ahead of θ − αm, without β,
 * overshoots that point by α(1 − β)m.)
 *
 * <p>Synchronously, the look-ahead weights φ_t = θ_t − αβ m_t follow exactly torch's reformulated
 * {@code SGD(nesterov=True)} ({@link Nesterov}) with learning rate α(1 − β): b_t = β b_{t−1} + ∇L(φ_{t−1}),
 * φ_t = φ_{t−1} − α(1 − β)(∇L(φ_{t−1}) + β b_t), b = m/(1 − β). Under asynchrony they differ: a stale
 * gradient here was computed at a look-ahead point the server sent τ updates ago, while torch's form
 * applies it to weights that already contain the look-ahead.
 *
 * <p>The step is {@link EmaMomentum}'s (same float32 order); the look-ahead is {@code θ − (α·β)*m} with α·β
 * computed in double then rounded.
 */
public final class NesterovLookAhead extends EmaMomentum implements LookAhead {

    /**
     * @param lr          learning rate α, {@code > 0}
     * @param beta        momentum β, in [0, 1)
     * @param weightDecay L2 weight decay λ, {@code >= 0}
     */
    public NesterovLookAhead(double lr, double beta, double weightDecay) {
        super("nag", lr, beta, weightDecay);
    }

    @Override
    public boolean looksAhead(int workerId) {
        return true;
    }

    /** θ − α·β·m. */
    @Override
    public void lookAhead(int workerId, float[] weights, float lr, float[] out) {
        LookAhead.extrapolate(weights, (double) lr * beta, v, out);
    }
}
