package dev.momentumps.server.checkpoint;

/**
 * What a {@link Checkpointer} has done so far.
 *
 * @param written     checkpoints written
 * @param failures    attempts that failed (each retried later with backoff)
 * @param lastError   the last failure's message, null when none failed
 * @param lastVersion the version of the newest checkpoint written, -1 when none was
 */
public record CheckpointReport(long written, long failures, String lastError, long lastVersion) {
    /** Nothing written, nothing failed. */
    public static final CheckpointReport NONE = new CheckpointReport(0, 0, null, -1);

    /** The sum of two servers' reports (shards, a restarted server); the later one's error wins. */
    public CheckpointReport plus(CheckpointReport later) {
        return new CheckpointReport(written + later.written, failures + later.failures,
                later.lastError != null ? later.lastError : lastError, Math.max(lastVersion, later.lastVersion));
    }
}
