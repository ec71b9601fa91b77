package dev.momentumps.server.optim;

/**
 * An update rule that can apply a step to a few rows (elements of the flat vector) only, lazily: the rows
 * a sparse gradient does not name are not visited. What "not visited" means for each rule:
 * <ul>
 *   <li>{@link Sgd}: an untouched row does not move, exactly as in a dense step with a zero gradient
 *       (with weight decay λ &gt; 0 the dense step would shrink it; the lazy step does not).</li>
 *   <li>{@link HeavyBallMomentum}: <b>catch-up</b>. A row skipped for k steps is brought up to date the next
 *       time it is touched (or read) as k dense steps with a zero gradient would have: {@code v <- β^k v},
 *       {@code w <- w - η v β(1-β^k)/(1-β)} (closed form of the geometric sum), so with a constant learning
 *       rate and λ = 0 the result equals dense application up to float rounding.</li>
 *   <li>{@link Adam}, {@link AdamW}: <b>lazy Adam</b> (TF Addons LazyAdam): only the touched rows' moments
 *       are updated; the bias corrections use the global step t. Untouched rows keep their moments and
 *       weights, which differs from dense Adam (whose moments decay and whose weights keep moving by
 *       m̂/(√v̂+ε) while the gradient is zero).</li>
 * </ul>
 *
 * <p>The store calls {@link #settle} before anything reads the whole vector (a dense pull, a dense step,
 * a checkpoint), so readers always see the caught-up state. Rules not implementing this interface get a
 * sparse gradient scattered into a dense one: exactly dense semantics.
 */
public interface SparseUpdateRule extends UpdateRule {

    /**
     * Step {@code t} on the rows {@code rows[0..n)} (strictly increasing, validated by the caller) with
     * the gradient values {@code g[0..n)} (which the rule may overwrite).
     */
    void applySparse(float[] w, int[] rows, float[] g, int n, long t, float lr);

    /**
     * Brings the rows {@code rows[0..n)}, or every row when {@code rows} is null, up to step {@code t}
     * (the last step applied), as if each skipped step had had a zero gradient with learning rate
     * {@code lr}. A no-op for rules whose untouched rows do not change.
     */
    void settle(float[] w, int[] rows, int n, long t, float lr);

    /** Tells the rule a dense step {@code t} just updated every row. */
    void onDenseStep(long t);

    /** Whether some rows may lag behind the last step (so {@link #settle} has work to do). */
    boolean lagging();
}
