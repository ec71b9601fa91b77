package dev.momentumps.server.consistency;

/** The workers' clocks (pushes so far) as a consistency model sees them. */
public interface Clocks {
    /** The worker's clock: the number of gradients it has pushed. */
    long clock(int workerId);

    /** The smallest clock among live workers (0 when none). */
    long minLiveClock();

    /** The number of live workers. */
    int liveWorkers();

    /** The ids of the live workers, ascending. */
    int[] liveWorkerIds();
}
