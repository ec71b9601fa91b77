package dev.momentumps.server.grpc;

import dev.momentumps.wire.config.ConfigKeys;

/**
 * The one gradient array big asynchronous region pushes share. Above {@code aboveElements} (default 4M;
 * system property {@code mps.sharedScratchAbove}) an asynchronous server takes region pushes one at a time
 * through this array (memory: at 10M parameters each array in flight is 40 MB, half the state); below it
 * every call takes its own array from the pool, so one worker's copy and check overlap another's update.
 * An asynchronous push is applied or refused before the core's push returns, so the array is free again
 * when the caller lets go of the lock.
 */
final class RegionScratch {
    private final int aboveElements = ConfigKeys.SHARED_SCRATCH_ABOVE.getInt();
    private final Object lock = new Object();
    private float[] array;

    /** Whether region pushes of {@code n} elements of an asynchronous server go through this array. */
    boolean covers(int n, boolean asynchronous) {
        return asynchronous && n > aboveElements;
    }

    /** What callers hold while they use {@link #array}. */
    Object lock() {
        return lock;
    }

    /** The array, sized {@code n}; the caller holds {@link #lock}. */
    float[] array(int n) {
        if (array == null || array.length != n) {
            array = new float[n];
        }
        return array;
    }
}
