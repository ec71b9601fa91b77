package dev.momentumps.server.compensation;

import dev.momentumps.server.consistency.Submission;
import dev.momentumps.server.core.Checkpointable;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Gap-Aware (Barkai, Hakimi, Schuster, "Gap-Aware Mitigation of Gradient Staleness", ICLR 2020): a stale
 * gradient is penalised per element by how far that element of the weights moved while it was computed,
 * measured in typical steps:
 * <pre>
 *   G    = |θ_now − θ_stale|                       (the gap; θ_stale = the weights last sent to the worker)
 *   g̃    = g ⊘ (1 + G ⊘ C)                         (element-wise)
 *   C    = sqrt(S / (1 − Γ^k)) + ε                  (the average step size per element)
 *   S   <- Γ S + (1 − Γ) Δθ²                        (Δθ: the server's last step, k the steps seen, S₀ = 0)
 * </pre>
 * Γ = 0.999 and ε = 1e-8 as in the authors' code. C is their estimator, an Adam-style bias-corrected root
 * mean square: they average the square of the momentum buffer v (or, without momentum, of the gradient) and
 * multiply by the largest learning rate so far, η_max·(sqrt(S/(1 − Γ^k)) + ε); this class averages the
 * square of the step the server actually took, Δθ = −η·v for SGD and heavy ball, which is the same thing
 * with a constant η and needs no knowledge of the rule (with a decaying schedule the steps shrink with η
 * and so does C, where the paper's η_max keeps C large). Before the first step there is no gap.
 *
 * <p>Compare η/τ ({@link StalenessAwareLearningRate}), which penalises by the delay rather than the distance
 * the weights moved, and elements that did not move keep their whole gradient. Weight decay added by the
 * rule afterwards is not penalised.
 *
 * <p>Memory: one weight vector per worker (W·n floats) plus three n-vectors. Checkpoints carry all of it.
 */
public final class GapAware extends SentWeightsCompensation implements Checkpointable {
    /** Γ, the decay of the average squared step (the authors' code uses 0.999). */
    public static final double DEFAULT_GAMMA = 0.999;
    /** ε added to C. */
    public static final float EPSILON = 1e-8f;

    private final double gamma;
    private final float gammaF;
    private final float oneMinusGamma;
    /** S, the running average of the squared steps. */
    private float[] meanSquareStep;
    /** The weights at the last {@link #adjustGradient}, to measure the step taken since. */
    private float[] previous;
    /** k: steps folded into S. */
    private long steps;
    /** Updates announced by {@link #learningRateScale} (one per update), and their count at {@link #previous}. */
    private long updates;
    private long updatesAtPrevious;

    public GapAware() {
        this(DEFAULT_GAMMA);
    }

    /** @param gamma Γ in (0, 1) */
    public GapAware(double gamma) {
        if (!(gamma > 0 && gamma < 1)) {
            throw new IllegalArgumentException("gap-aware gamma must be in (0, 1), got " + gamma);
        }
        this.gamma = gamma;
        this.gammaF = (float) gamma;
        this.oneMinusGamma = (float) (1.0 - gamma);
    }

    @Override
    public void adjustGradient(int workerId, long staleness, float[] g, float[] w) {
        int n = g.length;
        if (previous == null || previous.length != n) {
            previous = w.clone();
            meanSquareStep = new float[n];
            updatesAtPrevious = updates;
        } else if (updates != updatesAtPrevious) {
            float[] s = meanSquareStep;
            float[] p = previous;
            for (int i = 0; i < n; i++) {
                float d = w[i] - p[i];
                s[i] = gammaF * s[i] + oneMinusGamma * d * d;
                p[i] = w[i];
            }
            steps++;
            updatesAtPrevious = updates;
        }
        float[] stale = sent.of(workerId);
        if (stale == null || steps == 0) {
            return; // the worker computed on weights it made itself, or nothing has moved yet: no gap
        }
        float[] s = meanSquareStep;
        float biasCorrection = (float) (1.0 - Math.pow(gamma, steps));
        for (int i = 0; i < n; i++) {
            float c = (float) Math.sqrt(s[i] / biasCorrection) + EPSILON;
            float gap = Math.abs(w[i] - stale[i]);
            g[i] = g[i] / (1f + gap / c);
        }
    }

    @Override
    public float learningRateScale(List<Submission> contributors, long versionBefore) {
        updates++;
        return 1f;
    }

    /** C per element now (a copy), or null before the first step; for tests and reports. */
    public float[] averageStep() {
        if (meanSquareStep == null || steps == 0) {
            return null;
        }
        float[] c = new float[meanSquareStep.length];
        float biasCorrection = (float) (1.0 - Math.pow(gamma, steps));
        for (int i = 0; i < c.length; i++) {
            c[i] = (float) Math.sqrt(meanSquareStep[i] / biasCorrection) + EPSILON;
        }
        return c;
    }

    @Override
    public String checkpointKey() {
        return "gap-aware";
    }

    /** steps, updates, updatesAtPrevious, S and the previous weights (nullable), then the sent weights. */
    @Override
    public byte[] saveState() {
        long bytes = 24 + Floats.nullableBytes(meanSquareStep) + Floats.nullableBytes(previous) + sent.encodedBytes();
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(bytes));
        out.putLong(steps).putLong(updates).putLong(updatesAtPrevious);
        Floats.putNullable(out, meanSquareStep);
        Floats.putNullable(out, previous);
        sent.write(out);
        return out.array();
    }

    @Override
    public void restoreState(byte[] state) {
        ByteBuffer in = ByteBuffer.wrap(state);
        long k = in.getLong();
        long u = in.getLong();
        long up = in.getLong();
        float[] s = Floats.getNullable(in);
        float[] p = Floats.getNullable(in);
        SentWeights restored = new SentWeights();
        restored.read(in);
        steps = k;
        updates = u;
        updatesAtPrevious = up;
        meanSquareStep = s;
        previous = p;
        sent.copyFrom(restored);
    }

    @Override
    public String toString() {
        return "gap-aware(gamma=" + gamma + ", eps=" + EPSILON + ")";
    }
}
