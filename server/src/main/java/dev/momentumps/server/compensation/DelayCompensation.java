package dev.momentumps.server.compensation;

import dev.momentumps.server.core.Checkpointable;
import java.nio.ByteBuffer;

/**
 * DC-ASGD, delay-compensated asynchronous SGD (Zheng, Meng, Wang, Chen, Yu, Ma, Liu, "Asynchronous
 * Stochastic Gradient Descent with Delay Compensation", ICML 2017). The server keeps, per worker m, the
 * weights it last sent that worker, w_bak(m), and corrects each gradient from m with the diagonal
 * approximation of the Hessian by the gradient's outer product before the update rule sees it:
 *
 * <pre>  g̃ = g + λ · g ⊙ g ⊙ (w_t − w_bak(m))</pre>
 *
 * <p><b>Constant λ</b> (DC-ASGD-c): λ is the given λ₀. <b>Adaptive λ</b> (DC-ASGD-a): per element
 * λ_t = λ₀ / √(MeanSquare_t + ε), with MeanSquare_t = m·MeanSquare_{t−1} + (1 − m)·g_t ⊙ g_t over every
 * gradient the server receives (m = 0.95 in the paper; ε = 1e-7 keeps the first steps finite).
 * MeanSquare is updated with the raw gradient before the correction is computed.
 *
 * <p>Note: MXNet's {@code mx.optimizer.DCASGD} keeps one {@code weight_previous} per parameter, the
 * server's weights before its own last update, and uses w − weight_previous. That is not the paper's rule:
 * the paper's w_bak is the copy the <i>gradient's sender</i> computed on, which with W workers is typically
 * τ ≈ W − 1 updates old, not one. This class keeps the per-worker copy.
 *
 * <p>Memory: one weight vector per worker that has pulled (W·n floats).
 *
 * <p>Checkpoints carry the sent weights and MeanSquare ({@link Checkpointable}), so a resumed server corrects
 * the next gradients exactly as the uninterrupted one would have.
 */
public final class DelayCompensation extends SentWeightsCompensation implements Checkpointable {
    /** m, the decay of the mean square in the adaptive variant (the paper's 0.95). */
    public static final float MEAN_SQUARE_DECAY = 0.95f;
    /** ε under the square root of the adaptive λ. */
    public static final float EPSILON = 1e-7f;

    private final float lambda;
    private final boolean adaptive;
    private float[] meanSquare;

    /**
     * @param lambda   λ₀ >= 0 (0 switches the correction off)
     * @param adaptive whether λ is divided by √MeanSquare per element
     */
    public DelayCompensation(float lambda, boolean adaptive) {
        if (!(lambda >= 0) || !Float.isFinite(lambda)) {
            throw new IllegalArgumentException("DC-ASGD lambda must be finite and >= 0, got " + lambda);
        }
        this.lambda = lambda;
        this.adaptive = adaptive;
    }

    @Override
    public void adjustGradient(int workerId, long staleness, float[] g, float[] w) {
        float[] bak = sent.of(workerId);
        if (adaptive) {
            if (meanSquare == null || meanSquare.length != g.length) {
                meanSquare = new float[g.length];
            }
            float[] ms = meanSquare;
            for (int i = 0; i < g.length; i++) {
                float gi = g[i];
                ms[i] = MEAN_SQUARE_DECAY * ms[i] + (1 - MEAN_SQUARE_DECAY) * gi * gi;
            }
        }
        if (bak == null || lambda == 0) {
            return; // never sent this worker weights (it computed on the initial ones it made itself): no correction
        }
        if (adaptive) {
            float[] ms = meanSquare;
            for (int i = 0; i < g.length; i++) {
                float gi = g[i];
                float li = lambda / (float) Math.sqrt(ms[i] + EPSILON);
                g[i] = gi + li * gi * gi * (w[i] - bak[i]);
            }
        } else {
            for (int i = 0; i < g.length; i++) {
                float gi = g[i];
                g[i] = gi + lambda * gi * gi * (w[i] - bak[i]);
            }
        }
    }

    /** The weights last sent to the worker (a copy), or null if it never pulled. */
    public float[] backupOf(int workerId) {
        float[] bak = sent.of(workerId);
        return bak == null ? null : bak.clone();
    }

    /** MeanSquare of the adaptive variant (a copy), or null before the first gradient or when λ is constant. */
    public float[] meanSquare() {
        return meanSquare == null ? null : meanSquare.clone();
    }

    @Override
    public String checkpointKey() {
        return "dc-asgd";
    }

    /** The sent weights (see {@link SentWeights}) then MeanSquare (length, -1 for none, floats). */
    @Override
    public byte[] saveState() {
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(sent.encodedBytes() + Floats.nullableBytes(meanSquare)));
        sent.write(out);
        Floats.putNullable(out, meanSquare);
        return out.array();
    }

    @Override
    public void restoreState(byte[] state) {
        ByteBuffer in = ByteBuffer.wrap(state);
        SentWeights restored = new SentWeights();
        restored.read(in);
        float[] ms = Floats.getNullable(in);
        sent.copyFrom(restored);
        meanSquare = ms;
    }

    @Override
    public String toString() {
        return (adaptive ? "dc-asgd-a(lambda0=" : "dc-asgd-c(lambda=") + lambda + ")";
    }
}
