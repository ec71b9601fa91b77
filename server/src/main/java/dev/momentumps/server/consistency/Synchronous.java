package dev.momentumps.server.consistency;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Bulk synchronous parallel (BSP): the server holds each worker's gradient until every live worker has
 * pushed one, then applies their mean as one update. Gradients are summed in rank order, so a round's
 * result does not depend on arrival order. Every applied gradient has staleness 0.
 */
public final class Synchronous implements ConsistencyModel {
    private static final Comparator<Submission> BY_RANK =
            Comparator.comparingInt(Submission::rank).thenComparingInt(Submission::workerId);

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
        pending.sort(BY_RANK);
        float[] mean = sink.newBuffer();
        for (Submission s : pending) {
            float[] g = s.gradient();
            for (int i = 0; i < mean.length; i++) {
                mean[i] += g[i];
            }
        }
        float inv = 1f / pending.size();
        for (int i = 0; i < mean.length; i++) {
            mean[i] *= inv;
        }
        List<Submission> round = List.copyOf(pending);
        pending.clear();
        sink.apply(mean, round);
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
