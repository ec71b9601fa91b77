package dev.momentumps.server.consistency;

/**
 * A validated gradient on its way to being applied: who sent it, the version it was computed on, the
 * server's own copy of the values, and the ticket its sender waits on.
 */
public record Submission(int workerId, int rank, long baseVersion, float[] gradient, double loss, int batchSize,
                         PushTicket ticket) {
}
