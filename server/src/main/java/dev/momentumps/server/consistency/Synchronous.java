package dev.momentumps.server.consistency;

import dev.momentumps.wire.ConsistencyKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Bulk synchronous parallel (BSP): the server holds each worker's gradient until every live worker has
 * pushed one, then applies their mean as one update. Gradients are summed in rank order, so a round's
 * result does not depend on arrival order. Every applied gradient has staleness 0.
 */
public final class Synchronous implements ConsistencyModel {
    private final List<Submission> pending = new ArrayList<>();

    @Override
    public ConsistencyKind kind() {
        return ConsistencyKind.SYNCHRONOUS;
    }

    @Override
    public void submit(Submission submission, UpdateSink sink) {
        pending.add(submission);
        completeRoundIfReady(sink);
    }

    @Override
    public void onWorkerGone(int workerId, UpdateSink sink) {
        completeRoundIfReady(sink);
    }

    private void completeRoundIfReady(UpdateSink sink) {
        if (pending.isEmpty()) {
            return;
        }
        for (int id : sink.clocks().liveWorkerIds()) {
            if (!hasPending(id)) {
                return;
            }
        }
        Rounds.applyMean(pending, sink);
    }

    private boolean hasPending(int workerId) {
        for (Submission s : pending) {
            if (s.workerId() == workerId) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "sync";
    }
}
