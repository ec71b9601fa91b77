package dev.momentumps.server.core;

/**
 * Hears of every gradient the server applies, for metrics, and of workers that leave. Called under the core's lock: keep it cheap
 * (append a line to a buffer) and never call back into the core.
 */
public interface UpdateListener {

    /**
     * @param version   the server version after the update that took this gradient in
     * @param workerId  who sent it
     * @param staleness version at apply minus the version it was computed on
     * @param loss      the minibatch loss the worker reported (NaN when not given)
     * @param nanos     {@link System#nanoTime()} at apply
     */
    void onApplied(long version, int workerId, long staleness, double loss, long nanos);

    /**
     * Hears of the weights the server starts from, once, when a worker initialises the model (not when it is
     * restored from a checkpoint): the reports evaluate them as update 0. Called under the core's lock before
     * any gradient is applied; {@code weights} must not be kept (copy it). Default: nothing.
     */
    default void onInitialized(float[] weights) {
    }

    /** Why a gradient was accepted but not applied. */
    enum DropReason {
        /** a backup-workers round closed without it (its worker was among the slowest) */
        BACKUP_ROUND,
        /** it held NaN or ±Inf and the non-finite policy is {@code skip} */
        NON_FINITE
    }

    /**
     * Hears of a worker marked gone: it deregistered or its lease expired (what it was given for its
     * registration, such as its payload socket's secret, is retired). Default: nothing.
     */
    default void onWorkerGone(int workerId) {
    }

    /** Hears of every gradient accepted but not applied, and why. Default: nothing. */
    default void onDropped(int workerId, DropReason reason) {
    }
}
