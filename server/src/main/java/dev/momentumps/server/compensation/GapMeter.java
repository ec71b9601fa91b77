package dev.momentumps.server.compensation;

/**
 * Measures staleness as a distance instead of a count: for every gradient, the gap ‖θ_apply − θ_computed‖₂
 * between the weights it is applied to and the weights its worker was sent (look-ahead weights where a rule
 * sends them). DANA and Gap-Aware argue that the gap, not τ, is what hurts; this reports it beside τ. It
 * changes nothing: the gradient and the learning rate pass as they are.
 *
 * <p>Listeners hear of each gradient's τ and gap as it arrives (in the asynchronous models it is applied
 * right after); the running mean and maximum are kept here. Memory: one weight vector per worker.
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

    @Override
    public String toString() {
        return "gap-meter";
    }
}
