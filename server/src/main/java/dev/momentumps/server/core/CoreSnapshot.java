package dev.momentumps.server.core;

import dev.momentumps.wire.TensorLayout;
import java.util.List;
import java.util.Map;

/**
 * Everything a server needs to go on after a restart, copied out of the core under its lock: the weights
 * and their layout, the version (which is also the update rule's step count), every optimizer state vector
 * by name, the counters, the staleness histograms, each worker's clock and last push sequence, and the
 * saved state of every {@link Checkpointable} part (e.g. a staleness-compensation scheme's backups).
 *
 * <p>Gradients held in an unfinished synchronous round are not part of it: their pushes were not yet
 * acknowledged, so their workers see an error and push again.
 *
 * @param updateRule the rule's {@code toString()} (name and hyper-parameters) when the snapshot was taken
 * @param ruleState  copies of the rule's state vectors, in the rule's order
 * @param extensions by {@link Checkpointable#checkpointKey()}, the bytes each part saved
 */
public record CoreSnapshot(TensorLayout layout, float[] weights, long version, String updateRule,
                           Map<String, float[]> ruleState, long gradientsApplied, long gradientsDropped,
                           long[] stalenessHistogram, List<WorkerState> workers, Map<String, byte[]> extensions,
                           double[] recentLosses, Map<String, Long> pushesByPath) {

    /** A snapshot without recent losses and pushes by path (as a checkpoint of format 2 or older holds it). */
    public CoreSnapshot(TensorLayout layout, float[] weights, long version, String updateRule,
                        Map<String, float[]> ruleState, long gradientsApplied, long gradientsDropped,
                        long[] stalenessHistogram, List<WorkerState> workers, Map<String, byte[]> extensions) {
        this(layout, weights, version, updateRule, ruleState, gradientsApplied, gradientsDropped, stalenessHistogram,
                workers, extensions, new double[0], Map.of());
    }

    /** One worker as the checkpoint keeps it. */
    public record WorkerState(int id, int rank, String name, long pushes, long lastSequence, boolean alive,
                              long[] stalenessHistogram) {
    }
}
