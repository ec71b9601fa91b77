package dev.momentumps.server.compensation;

/**
 * Measures staleness as a distance instead of a count: for every gradient, the gap ‖θ_apply − θ_computed‖₂
 * between the weights it is applied to and the weights its worker was sent (look-ahead weights where a rule
 * sends them). DANA and Gap-Aware argue that the gap, not τ, is what hurts; this reports it beside τ. It
 * changes nothing: the gradient and the learning rate pass as they are.
 *
 * <p>Listeners hear of each gradient's τ and gap as it arrives (in the asynchronous models it is applied
 * right after); the running mean and maximum are kept here. Memory: one weight vector per worker. Under a
 * synchronous model every gradient of a round was computed on the weights it is applied to: the gap is 0.
 * Sparse pushes that the core applies on its lazy sparse path are not measured (that path reads only their rows).
 */
public final class GapMeter extends SentWeightsCompensation {

    /** Hears of each gradient's gap, under the core's lock: keep it cheap. */
    @FunctionalInterface
    public interface Listener {
        void onGap(int workerId, long staleness, double gap);
    }

    private final java.util.List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private long count;
    private double sum;
    private double max;

    /** The gap meter among the parts of {@code c} ({@link Compensations#partsOf}), or null if there is none. */
    public static GapMeter in(StalenessCompensation c) {
        for (StalenessCompensation p : Compensations.partsOf(c)) {
            if (p instanceof GapMeter m) {
                return m;
            }
        }
        return null;
    }

    /** {@code c} with a fresh gap meter beside it (c itself if it has one already). */
    public static StalenessCompensation with(StalenessCompensation c) {
        if (in(c) != null) {
            return c;
        }
        java.util.List<StalenessCompensation> parts = new java.util.ArrayList<>();
        if (c != StalenessCompensation.NONE) {
            parts.addAll(Compensations.partsOf(c));
        }
        parts.add(new GapMeter());
        return Compensations.of(parts);
    }

    public GapMeter addListener(Listener l) {
        listeners.add(l);
        return this;
    }

    @Override
    public void adjustGradient(int workerId, long staleness, float[] gradient, float[] weights) {
        float[] stale = sent.of(workerId);
        if (stale == null) {
            return; // the worker computed on weights it made itself
        }
        double s = 0;
        for (int i = 0; i < weights.length; i++) {
            double d = weights[i] - stale[i];
            s += d * d;
        }
        double gap = Math.sqrt(s);
        count++;
        sum += gap;
        max = Math.max(max, gap);
        for (Listener l : listeners) {
            l.onGap(workerId, staleness, gap);
        }
    }

    /** Gradients measured. */
    public long count() {
        return count;
    }

    /** The mean gap so far (NaN before the first). */
    public double meanGap() {
        return count == 0 ? Double.NaN : sum / count;
    }

    public double maxGap() {
        return max;
    }

    /** It only measures. */
    @Override
    public boolean changesUpdates() {
        return false;
    }

    @Override
    public String toString() {
        return "gap-meter";
    }
}
