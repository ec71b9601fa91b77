package dev.momentumps.study.sim;

import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.StalenessStats;
import java.util.List;

/**
 * What a simulated run did.
 *
 * @param finalWeights   the weights at the end
 * @param virtualSeconds virtual time at the end (updates, in fixed-delay mode)
 * @param status         the server's counters at the end: version, applied/dropped, staleness overall and
 *                       per worker ({@link ServerStatus#workers()})
 * @param perWorker      each worker's staleness counts, by worker id
 * @param trajectory     the weights at versions 0, 1, 2, … when {@link SimulationConfig#recordTrajectory}
 *                       was set (trajectory.get(v) is version v), else empty
 * @param versionTimes   the virtual time each version was reached at, versionTimes[v] (always recorded)
 */
public record SimulationResult(float[] finalWeights, double virtualSeconds, ServerStatus status,
                               List<StalenessStats> perWorker, List<float[]> trajectory, double[] versionTimes) {

    /** The final version: the number of updates applied. */
    public long version() {
        return status.version();
    }

    /** Staleness over every applied gradient. */
    public StalenessStats staleness() {
        return status.staleness();
    }
}
