package dev.momentumps.server.consistency;

import java.util.concurrent.TimeUnit;

/**
 * The fate of one push: completed once its gradient is applied (alone or in a round) or dropped. Real
 * transports wait on it with a timeout; the simulator only reads it.
 */
public final class PushTicket {
    private boolean done;
    private boolean applied;
    private long version;
    private long staleness;

    /** Completes the ticket; later calls are ignored. */
    public synchronized void complete(boolean applied, long version, long staleness) {
        if (done) {
            return;
        }
        this.done = true;
        this.applied = applied;
        this.version = version;
        this.staleness = staleness;
        notifyAll();
    }

    public synchronized boolean isDone() {
        return done;
    }

    /** Waits until done or the timeout passes. @return whether it is done */
    public synchronized boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!done) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    public synchronized boolean applied() {
        return applied;
    }

    /** The server version right after this gradient was applied (or when it was dropped). */
    public synchronized long version() {
        return version;
    }

    /** Server version when applied minus the gradient's base version; -1 when dropped. */
    public synchronized long staleness() {
        return staleness;
    }
}
