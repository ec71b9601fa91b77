package dev.momentumps.server.optim;

import java.util.Map;

/**
 * A server-side update rule (optimizer). One instance serves one flat parameter vector and owns the
 * optimizer state for it (velocity, moments, accumulators).
 *
 * <p>Rules are elementwise: {@link #apply} on disjoint ranges may run on several threads at once, which is
 * how the store updates big tensors. Implementations are plain indexed loops over {@code float[]}: no
 * boxing, streams or lambdas in {@code apply}.
 *
 * <p>{@code toString()} shows the rule's name and every hyper-parameter, e.g.
 * {@code momentum(lr=0.1, beta=0.9, weight_decay=0)}.
 */
public interface UpdateRule {

    /** Allocates zeroed state for a flat vector of {@code n} elements; called once before the first apply. */
    void initialize(int n);

    /**
     * One step on the elements {@code [from, to)}.
     *
     * @param w    the weights, updated in place
     * @param g    the gradient; the rule may overwrite it (it is the server's private copy)
     * @param from first element, inclusive
     * @param to   last element, exclusive
     * @param t    the step number, starting at 1 (Adam's bias correction uses it)
     * @param lr   the learning rate for this step, from the schedule
     */
    void apply(float[] w, float[] g, int from, int to, long t, float lr);

    /**
     * {@link #apply(float[], float[], int, int, long, float)} with the gradient in a block that need not sit at
     * the weights' indices: element {@code i}'s gradient is {@code g[gFrom + (i - from)]}. The core applies a
     * gradient it reads block by block from where a transport holds it (a worker's shared region) this way,
     * through a small scratch, when {@link #takesGradientBlocks()}. The default takes only {@code gFrom == from}.
     */
    default void apply(float[] w, float[] g, int gFrom, int from, int to, long t, float lr) {
        if (gFrom != from) {
            throw new UnsupportedOperationException(name() + " takes the gradient only at the weights' indices");
        }
        apply(w, g, from, to, t, lr);
    }

    /** Whether {@link #apply(float[], float[], int, int, int, long, float)} takes any {@code gFrom}. */
    default boolean takesGradientBlocks() {
        return false;
    }

    /** The base learning rate η given in the hyper-parameters (schedules scale it). */
    float learningRate();

    /** The rule's name as the CLI spells it, e.g. {@code "momentum"}. */
    String name();

    /**
     * The optimizer state vectors by name (e.g. {@code "velocity"}), each of length n, live (not copies):
     * checkpoints write and restore them. Empty for stateless rules.
     */
    Map<String, float[]> state();
}
