package dev.momentumps.server.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Common plumbing of the update rules: the learning rate, torch-style L2 weight decay, named state vectors
 * and {@code toString()}.
 *
 * <p>Hyper-parameters are kept as {@code double}, as torch keeps them as Python floats; the hot loops use
 * {@code float} copies, which is what torch's CPU kernels do when they receive a Python scalar (they cast it
 * to the tensor's dtype). Scalars derived from several hyper-parameters (e.g. {@code 1 - beta}) are computed
 * in double and then cast, again as torch does.
 */
abstract class AbstractUpdateRule implements UpdateRule {

    private final String name;
    private final double lr;
    /** L2 weight decay λ as torch applies it: {@code g <- g + λ w} before the rule. */
    protected final double weightDecay;
    /** {@link #weightDecay} as float, for the hot loops. */
    protected final float wd;
    private final String[] stateNames;
    private final Map<String, float[]> state = new LinkedHashMap<>();

    /**
     * @param name        the CLI name
     * @param lr          base learning rate, {@code > 0}
     * @param weightDecay L2 weight decay, {@code >= 0}
     * @param stateNames  names of the state vectors {@link #initialize} allocates, in order
     */
    protected AbstractUpdateRule(String name, double lr, double weightDecay, String... stateNames) {
        this.name = name;
        this.lr = Checks.positive("lr", lr);
        this.weightDecay = Checks.nonNegative("weight_decay", weightDecay);
        this.wd = (float) weightDecay;
        this.stateNames = stateNames.clone();
    }

    @Override
    public void initialize(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        state.clear();
        for (String s : stateNames) {
            state.put(s, new float[stateLength(s, n)]);
        }
        onInitialize();
    }

    /**
     * The length of the state vector {@code key} for a vector of {@code n} elements: n unless a rule keeps
     * something else (closed-loop momentum's control values and history). Only n-long vectors are checked
     * against the range of an apply.
     */
    protected int stateLength(String key, int n) {
        return n;
    }

    /** Lets subclasses cache their state arrays in fields after {@link #initialize}. */
    protected abstract void onInitialize();

    /** The live state vector {@code key}; valid after {@link #initialize}. */
    protected final float[] stateVector(String key) {
        return state.get(key);
    }

    /** The gradient with torch's L2 weight decay applied: {@code g + λ w} ({@code g} itself when λ = 0). */
    protected final float decayed(float g, float w) {
        return withL2(g, w, wd);
    }

    /** {@code g + λ w} in float32 (torch's {@code grad.add(param, alpha=λ)}), or {@code g} when λ = 0. */
    protected static float withL2(float g, float w, float lambda) {
        return lambda == 0f ? g : g + lambda * w;
    }

    /**
     * Element i's gradient, {@code g[i + d]}, with {@code d == 0} spelled apart: every rule's loop reads its
     * gradient through here. C2 (JDK 17) does not vectorise a loop that reads {@code g[i + d]} beside
     * {@code w[i]} with a {@code d} it does not know (it cannot rule out that the two overlap a few elements
     * apart), so it would run the gradient-at-the-weights'-indices case, every transport but the in-place
     * region blocks, as scalar code whenever the rule's loop is compiled on its own. With the test here it
     * unswitches the loop on {@code d == 0} (or drops the other side when a run never takes it) and
     * vectorises that copy: one loop in the source, the same float operations in the same order either way.
     */
    protected static float gradientAt(float[] g, int i, int d) {
        return d == 0 ? g[i] : g[i + d];
    }

    /** The step on {@code [from, to)} with the gradient at the weights' indices: every rule here has one body. */
    @Override
    public final void apply(float[] w, float[] g, int from, int to, long t, float lr) {
        apply(w, g, from, from, to, t, lr);
    }

    /** Every rule here reads element {@code i}'s gradient at {@code g[gFrom + (i - from)]}. */
    @Override
    public abstract void apply(float[] w, float[] g, int gFrom, int from, int to, long t, float lr);

    @Override
    public final boolean takesGradientBlocks() {
        return true;
    }

    /**
     * Throws unless {@link #initialize} ran and the range is valid for the state and the gradient block
     * ({@code g[gFrom, gFrom + to - from)}); cheap, called once per apply.
     */
    protected final void checkRange(float[] w, float[] g, int gFrom, int from, int to, long t) {
        if (from < 0 || from > to || to > w.length || gFrom < 0 || gFrom > g.length - (to - from)) {
            throw new IndexOutOfBoundsException("range [" + from + ", " + to + ") with the gradient from " + gFrom
                    + " out of bounds for w.length=" + w.length + ", g.length=" + g.length);
        }
        if (t < 1) {
            throw new IllegalArgumentException("t must be >= 1, got " + t);
        }
        for (Map.Entry<String, float[]> e : state.entrySet()) {
            float[] s = e.getValue();
            if (s.length < to && stateLength(e.getKey(), w.length) == w.length) {
                throw new IllegalStateException(name + ": state has " + s.length + " elements, range ends at " + to
                        + " (initialize(n) not called with the vector's length?)");
            }
        }
        if (state.size() != stateNames.length) {
            throw new IllegalStateException(name + ": initialize(n) must be called before apply");
        }
    }

    @Override
    public final float learningRate() {
        return (float) lr;
    }

    /** The base learning rate as given (double). */
    public final double baseLearningRate() {
        return lr;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Map<String, float[]> state() {
        return Collections.unmodifiableMap(state);
    }

    /**
     * The rule's own hyper-parameters between lr and weight_decay, as {@code "key=value"} pairs joined by
     * {@code ", "}, or empty.
     */
    protected abstract String hyperParameters();

    @Override
    public String toString() {
        String extra = hyperParameters();
        return name + "(lr=" + lr + (extra.isEmpty() ? "" : ", " + extra) + ", weight_decay=" + weightDecay + ")";
    }
}
