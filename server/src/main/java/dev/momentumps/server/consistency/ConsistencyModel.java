package dev.momentumps.server.consistency;

import dev.momentumps.wire.ConsistencyKind;

/**
 * When a pushed gradient is applied, and when a worker may pull: one implementation per consistency model
 * (asynchronous, synchronous, stale-synchronous, backup workers).
 *
 * <p>The core calls every method while holding its lock, with gradients it has already validated, so
 * implementations need no locking of their own and never see bad input.
 */
public interface ConsistencyModel {

    /** Which model this is, as reported to workers. */
    ConsistencyKind kind();

    /** The SSP bound s, or -1 where it does not apply. */
    default int stalenessBound() {
        return -1;
    }

    /**
     * Takes a gradient. Either applies it now through {@code sink.apply}, or holds it until a round is
     * complete, or drops it through {@code sink.drop}.
     */
    void submit(Submission submission, UpdateSink sink);

    /** May this worker pull now? Asynchronous models always say yes; SSP holds back a worker too far ahead. */
    default boolean mayPull(int workerId, Clocks clocks) {
        return true;
    }

    /** The worker has left or died; a round that waited for it may now be complete. */
    default void onWorkerGone(int workerId, UpdateSink sink) {
    }

    /** A worker has joined (synchronous models count it from the next round). */
    default void onWorkerJoined(int workerId) {
    }
}
