package dev.momentumps.server.consistency;

import dev.momentumps.wire.ConsistencyKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Synchronous SGD with backup workers (Chen et al., "Revisiting Distributed Synchronous SGD", 2016): of
 * N + b live workers, each round takes the first N gradients computed on the current version, applies
 * their mean as one update, and drops the b late ones ({@link UpdateSink#drop}, counted as
 * {@code gradients_dropped}). A gradient is late exactly when its base version is older than the server's
 * version: its round has already been applied without it.
 *
 * <p>N = max(1, live workers − b), so when workers leave, rounds shrink rather than hang. The N gradients
 * of a round are summed in rank order (not arrival order), so the update does not depend on which of them
 * came first, only on which N came. Every applied gradient has staleness 0.
 */
public final class BackupWorkers implements ConsistencyModel {
    private final int backups;
    private final List<Submission> pending = new ArrayList<>();

    /** @param backups b, the number of gradients each round does without, >= 0 (0 is BSP) */
    public BackupWorkers(int backups) {
        if (backups < 0) {
            throw new IllegalArgumentException("backup workers must be >= 0, got " + backups);
        }
        this.backups = backups;
    }

    public int backups() {
        return backups;
    }

    @Override
    public ConsistencyKind kind() {
        return ConsistencyKind.BACKUP_WORKERS;
    }

    @Override
    public void submit(Submission submission, UpdateSink sink) {
        if (submission.baseVersion() < sink.version()) {
            sink.drop(submission);
            return;
        }
        pending.add(submission);
        completeRoundIfReady(sink);
    }

    @Override
    public void onWorkerGone(int workerId, UpdateSink sink) {
        completeRoundIfReady(sink);
    }

    /** The round size N for the current number of live workers. */
    public int roundSize(int liveWorkers) {
        return Math.max(1, liveWorkers - backups);
    }

    private void completeRoundIfReady(UpdateSink sink) {
        if (pending.isEmpty() || pending.size() < roundSize(sink.clocks().liveWorkers())) {
            return;
        }
        Rounds.applyMean(pending, sink);
    }

    @Override
    public String toString() {
        return "backup(b=" + backups + ")";
    }
}
