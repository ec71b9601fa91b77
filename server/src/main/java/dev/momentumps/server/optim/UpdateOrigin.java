package dev.momentumps.server.optim;

/**
 * An update rule that needs to know where the gradient of an update comes from: whose it is (DANA keeps a
 * momentum vector per worker) and which weights it was computed on (closed-loop momentum measures the
 * momentum the delays add). The core calls {@link #beforeUpdate} under its lock, on one thread, right
 * before every dense update, and then {@link UpdateRule#apply} for the same update.
 */
public interface UpdateOrigin {

    /** The worker id passed for an update that averages the gradients of several workers (a round). */
    int SEVERAL = -1;

    /**
     * @param workerId    the worker whose gradient the update applies, or {@link #SEVERAL}
     * @param baseVersion the version its gradient was computed on (for a round, the oldest contributor's)
     * @param version     the version now; the update makes it {@code version + 1}
     * @param gradient    the gradient about to be applied (compensations done, clipping not yet); read only
     * @param weights     the live weights of {@code version}; read only
     */
    void beforeUpdate(int workerId, long baseVersion, long version, float[] gradient, float[] weights);
}
