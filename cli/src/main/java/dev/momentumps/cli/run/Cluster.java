package dev.momentumps.cli.run;

import dev.momentumps.server.checkpoint.CheckpointReport;
import dev.momentumps.wire.ParameterClient;
import java.util.List;

/** A running server and its workers, however they are hosted (processes, threads). */
public interface Cluster extends AutoCloseable {

    /** How the cluster is hosted ("2 worker processes on this host", "in-process, 2 worker threads"): for reports. */
    String transport();

    /** A client that reads status and pulls weights as an observer (it is not a worker). */
    ParameterClient monitor();

    /** True once every worker has finished, successfully or not. */
    boolean workersDone();

    /** One line per worker that failed, e.g. {@code worker 2 exited with code 137}. */
    List<String> failures();

    /**
     * Looks for dead processes and deals with them (restarts a dead server from its checkpoint, reports a
     * dead worker once). @return one line per event since the last call
     */
    default List<String> checkHealth() throws Exception {
        return List.of();
    }

    /**
     * Stops the server once the workers are done and its final state has been read, so that whatever it
     * writes on the way out (its metrics file) is complete before the reports read it. Default: nothing
     * (an in-process server's metrics are closed by the caller).
     */
    default void stopServer() throws Exception {
    }

    /**
     * The checkpoint counters of the run's servers (summed over shards and restarts), complete once
     * {@link #stopServer} has returned (a server writes its last checkpoint as it stops); null when they
     * write no checkpoints. Default: null.
     */
    default CheckpointReport checkpoints() {
        return null;
    }

    /**
     * The weights the server started from (kept when a worker initialised the model), for the reports' update
     * 0; null until then, or when they are not known (a resumed or sharded server). Default: null.
     */
    default float[] initialWeights() throws Exception {
        return null;
    }

    /**
     * The server's Prometheus metrics (text format) as they stand now; null when it serves none or is not up.
     * Default: null.
     */
    default String metrics() {
        return null;
    }

    /**
     * Stops every worker still running, now (a run ended early, e.g. on divergence); a worker stopped this
     * way is not one of the {@link #failures}. The server keeps running until {@link #stopServer}.
     */
    void stopWorkers() throws Exception;

    /** Stops the server (and any worker still running). */
    @Override
    void close() throws Exception;
}
