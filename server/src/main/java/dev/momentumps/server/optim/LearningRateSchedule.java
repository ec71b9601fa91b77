package dev.momentumps.server.optim;

/**
 * The learning rate as a function of the step. Implementations are immutable and cheap; the store calls
 * {@link #lr} once per update and passes the value to {@link UpdateRule#apply}.
 */
@FunctionalInterface
public interface LearningRateSchedule {

    /** The learning rate for step {@code t} (1-based, as in {@link UpdateRule#apply}). */
    float lr(long t);
}
