package dev.momentumps.server.grpc;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reusable float[] buffers of one length, so a round does not allocate (and the collector does not have to
 * reclaim) a fresh model-sized array per call: at 10M parameters that is 40 MB per push and per pull.
 * A buffer taken is owned by the caller until it gives it back; one not given back (a call that timed out
 * while the core may still hold it) is simply left to the collector. At most {@code capacity} idle buffers
 * are kept; the first {@code keepAnySize} whatever their size, any more only while the idle bytes stay
 * within {@code maxIdleBytes} (an idle array is held for the server's whole life).
 *
 * <p>Why keep big ones at all: with none kept, a 10M-parameter server over TCP allocated a fresh 40 MB
 * gradient array per push. Too big for the server's small young generation, each went to the old one, and
 * the serial collector's full collections took a quarter of the server's CPU. Keeping two (one per pushing
 * worker of the benchmark's W = 2) took {@code bench transport --params 10000000 --workers 2 --transport tcp}
 * from 9.4–14 to 17–26 rounds/s (one kept: 12–14), and the server's PSS did not grow: garbage arrays waiting
 * for a collection had taken the same room.
 */
final class FloatArrayPool {
    private final ConcurrentLinkedDeque<float[]> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final int capacity;
    private final long maxIdleBytes;
    private final int keepAnySize;

    /**
     * @param capacity     the most idle buffers kept
     * @param maxIdleBytes the most idle bytes kept, beyond the first {@code keepAnySize} buffers
     * @param keepAnySize  how many idle buffers are kept whatever their size
     */
    FloatArrayPool(int capacity, long maxIdleBytes, int keepAnySize) {
        this.capacity = capacity;
        this.maxIdleBytes = maxIdleBytes;
        this.keepAnySize = keepAnySize;
    }

    /** A buffer of exactly {@code n} elements (contents unspecified). */
    float[] take(int n) {
        float[] b;
        while ((b = idle.pollFirst()) != null) {
            idleCount.decrementAndGet();
            if (b.length == n) {
                return b;
            }
        }
        return new float[n];
    }

    /** Hands a buffer back; null is ignored. */
    void give(float[] b) {
        if (b == null) {
            return;
        }
        int count = idleCount.incrementAndGet();
        if (count <= capacity && (count <= keepAnySize || (long) count * b.length * Float.BYTES <= maxIdleBytes)) {
            idle.offerFirst(b);
        } else {
            idleCount.decrementAndGet();
        }
    }
}
