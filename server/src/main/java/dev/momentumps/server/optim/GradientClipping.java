package dev.momentumps.server.optim;

/**
 * Clipping by global L2 norm, like torch.nn.utils.clip_grad_norm_
 * (https://pytorch.org/docs/stable/generated/torch.nn.utils.clip_grad_norm_.html):
 * <pre>
 *   norm  = ||g||₂                          (accumulated in double)
 *   scale = max_norm / (norm + 1e-6)
 *   if scale < 1:  g <- g · scale
 * </pre>
 * It needs the whole gradient, so the store calls it once per update before splitting the vector into
 * ranges for {@link UpdateRule#apply}.
 */
public final class GradientClipping {

    /** torch's guard against division by zero. */
    public static final double EPS = 1e-6;

    private GradientClipping() {
    }

    /** Clips all of {@code g} in place; returns the norm before clipping. */
    public static double clipByGlobalNorm(float[] g, double maxNorm) {
        return clipByGlobalNorm(g, 0, g.length, maxNorm);
    }

    /** Clips {@code g[from, to)} in place by the norm of that range; returns the norm before clipping. */
    public static double clipByGlobalNorm(float[] g, int from, int to, double maxNorm) {
        Checks.positive("max_norm", maxNorm);
        double norm = l2Norm(g, from, to);
        double scale = maxNorm / (norm + EPS);
        if (scale < 1) {
            float s = (float) scale;
            for (int i = from; i < to; i++) {
                g[i] *= s;
            }
        }
        return norm;
    }

    /** The L2 norm of {@code g[from, to)}, accumulated in double. */
    public static double l2Norm(float[] g, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            double x = g[i];
            sum += x * x;
        }
        return Math.sqrt(sum);
    }
}
