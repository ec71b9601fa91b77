package dev.momentumps.server.optim;

/** The learning rate at each step t (1-based). */
public interface LearningRateSchedule {
    float lr(long t);
}
