package dev.momentumps.server.optim;

/**
 * Adam with bias correction:
 * <pre>
 *   g  <- g + λ w                                     (L2 weight decay, optional, as torch)
 *   m  <- β1 m + (1 − β1) g                           (m₀ = 0)
 *   v  <- β2 v + (1 − β2) g²                          (v₀ = 0)
 *   w  <- w − η/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + ε)
 * </pre>
 *
 * <p>Source: Kingma &amp; Ba 2015, "Adam: a method for stochastic optimization"; torch.optim.Adam
 * (https://pytorch.org/docs/stable/generated/torch.optim.Adam.html), amsgrad=False. ε is added to
 * sqrt(v)/sqrt(1 − β2^t) = sqrt(v̂), as in the paper's Algorithm 1 and in torch. See {@link AbstractAdam} for the float32 order.
 */
public final class Adam extends AbstractAdam {

    /**
     * @param lr          learning rate η, {@code > 0}
     * @param beta1       first-moment decay β1, in [0, 1)
     * @param beta2       second-moment decay β2, in [0, 1)
     * @param eps         ε, {@code > 0}
     * @param weightDecay L2 weight decay λ (added to the gradient), {@code >= 0}
     */
    public Adam(double lr, double beta1, double beta2, double eps, double weightDecay) {
        this(lr, beta1, beta2, eps, weightDecay, false);
    }

    /** @param epsInsideRoot divide by {@code sqrt(v̂ + ε)} instead of torch's {@code sqrt(v̂) + ε} */
    public Adam(double lr, double beta1, double beta2, double eps, double weightDecay, boolean epsInsideRoot) {
        super("adam", lr, beta1, beta2, eps, weightDecay, false, epsInsideRoot);
    }
}
