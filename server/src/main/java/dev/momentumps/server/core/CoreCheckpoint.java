package dev.momentumps.server.core;

import dev.momentumps.server.optim.UpdateRule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The core's state as a {@link CoreSnapshot} and back: weights and version, the update rule's state
 * vectors, the counters, the workers, and the state of every {@link Checkpointable} part (consistency
 * model, compensations, others added). Used under the core's lock.
 */
final class CoreCheckpoint {
    private CoreCheckpoint() {
    }

    /** A consistent copy of the whole state. */
    static CoreSnapshot take(ParameterStore store, UpdateRule rule, UpdateCounters counters, WorkerRegistry workers,
                             List<Checkpointable> parts) {
        store.settle(); // lazily updated rows caught up, so the rule's state vectors are current
        Map<String, float[]> state = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : rule.state().entrySet()) {
            state.put(e.getKey(), e.getValue().clone());
        }
        Map<String, byte[]> ext = new LinkedHashMap<>();
        for (Checkpointable c : parts) {
            ext.put(c.checkpointKey(), c.saveState());
        }
        return new CoreSnapshot(store.layout(), store.weights().clone(), store.version(), rule.toString(), state,
                counters.appliedCount(), counters.droppedCount(), counters.staleness().histogram(),
                workers.snapshot(), ext, counters.recentLosses(), counters.pushesByPath());
    }

    /**
     * Checks that {@code snap} fits the rule (whose state the caller's new store has just allocated) and the
     * parts, then puts the rule's state vectors, the counters, the workers and the parts' state back.
     *
     * @throws IllegalArgumentException if the snapshot does not fit, before anything is put back
     */
    static void restore(CoreSnapshot snap, UpdateRule rule, UpdateCounters counters, WorkerRegistry workers,
                        List<Checkpointable> parts) {
        Map<String, float[]> live = rule.state();
        if (!live.keySet().equals(snap.ruleState().keySet())) {
            throw new IllegalArgumentException("the checkpoint's optimizer state " + snap.ruleState().keySet()
                    + " (" + snap.updateRule() + ") does not fit the update rule " + rule + " with state "
                    + live.keySet());
        }
        Map<String, Checkpointable> byKey = new LinkedHashMap<>();
        for (Checkpointable c : parts) {
            byKey.put(c.checkpointKey(), c);
        }
        for (String key : snap.extensions().keySet()) {
            if (!byKey.containsKey(key)) {
                throw new IllegalArgumentException("the checkpoint holds state for '" + key
                        + "', which this server does not have (was it started with other options?)");
            }
        }
        for (Map.Entry<String, float[]> e : snap.ruleState().entrySet()) {
            if (live.get(e.getKey()).length != e.getValue().length) {
                throw new IllegalArgumentException("optimizer state '" + e.getKey() + "' has " + e.getValue().length
                        + " elements, the model " + live.get(e.getKey()).length);
            }
        }
        for (Map.Entry<String, float[]> e : snap.ruleState().entrySet()) {
            float[] dst = live.get(e.getKey());
            System.arraycopy(e.getValue(), 0, dst, 0, dst.length);
        }
        counters.restore(snap.gradientsApplied(), snap.gradientsDropped(), snap.stalenessHistogram(),
                snap.recentLosses(), snap.pushesByPath());
        workers.restore(snap.workers());
        for (Map.Entry<String, byte[]> e : snap.extensions().entrySet()) {
            byKey.get(e.getKey()).restoreState(e.getValue());
        }
    }
}
