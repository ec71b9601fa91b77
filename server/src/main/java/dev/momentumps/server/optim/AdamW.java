package dev.momentumps.server.optim;

/**
 * AdamW: Adam with decoupled weight decay.
 * <pre>
 *   w  <- w − η λ w          (computed as torch does: w · (1 − η λ), the factor in double)
 *   m  <- β1 m + (1 − β1) g
 *   v  <- β2 v + (1 − β2) g²
 *   w  <- w − η/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + ε)
 * </pre>
 *
 * <p>Source: Loshchilov &amp; Hutter 2019, "Decoupled weight decay regularization"; torch.optim.AdamW
 * (https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html), amsgrad=False, whose default λ is
 * 0.01 (the default lives in {@link OptimizerConfig}). The gradient is not decayed.
 */
public final class AdamW extends AbstractAdam {

    /**
     * @param lr          learning rate η, {@code > 0}
     * @param beta1       first-moment decay β1, in [0, 1)
     * @param beta2       second-moment decay β2, in [0, 1)
     * @param eps         ε, {@code > 0}
     * @param weightDecay decoupled weight decay λ, {@code >= 0}
     */
    public AdamW(double lr, double beta1, double beta2, double eps, double weightDecay) {
        this(lr, beta1, beta2, eps, weightDecay, false);
    }

    /** @param epsInsideRoot divide by {@code sqrt(v̂ + ε)} instead of torch's {@code sqrt(v̂) + ε} */
    public AdamW(double lr, double beta1, double beta2, double eps, double weightDecay, boolean epsInsideRoot) {
        super("adamw", lr, beta1, beta2, eps, weightDecay, true, epsInsideRoot);
    }
}
