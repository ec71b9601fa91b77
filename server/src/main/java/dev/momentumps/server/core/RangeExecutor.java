package dev.momentumps.server.core;

import java.util.concurrent.Phaser;

/**
 * Runs a range operation over [0, n) on several threads, split into contiguous ranges, for big tensors.
 * Small vectors run on the caller's thread: below {@link #PARALLEL_THRESHOLD} elements the hand-off costs
 * more than it saves. The threshold is 4M elements (16 MiB per vector): with workers on the same 2 cores a
 * 1M update takes well under a millisecond, and waking a helper on a core the workers are using costs more
 * ({@code mps bench transport --params 1000000 --workers 2 --apply-threads 1|2}, interleaved pairs: one
 * thread did 417 and 335 rounds/s against 329 and 263 with two), while at 10M two threads pay off. The
 * helper threads are daemons created once and reused for every call.
 */
public final class RangeExecutor implements AutoCloseable {

    /** An operation on the elements [from, to). */
    public interface RangeTask {
        void run(int from, int to);
    }

    /** Below this many elements a call runs on one thread. */
    public static final int PARALLEL_THRESHOLD = 1 << 22;

    private final int threads;
    private final int parallelThreshold;
    private final Thread[] helpers;
    private final Phaser start = new Phaser(1);
    private final Phaser done = new Phaser(1);
    private volatile RangeTask task;
    private volatile int length;
    private volatile boolean closed;

    /** @param threads total threads including the caller's; 1 disables parallelism */
    public RangeExecutor(int threads) {
        this(threads, PARALLEL_THRESHOLD);
    }

    /** @param parallelThreshold vectors shorter than this run on the caller's thread alone */
    public RangeExecutor(int threads, int parallelThreshold) {
        this.parallelThreshold = parallelThreshold;
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.helpers = new Thread[threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            final int part = i + 1;
            start.register();
            done.register();
            helpers[i] = new Thread(() -> helperLoop(part), "mps-apply-" + part);
            helpers[i].setDaemon(true);
            helpers[i].start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code op} over [0, n) and returns when every range is done. One call at a time. */
    public synchronized void run(int n, RangeTask op) {
        if (threads == 1 || n < parallelThreshold) {
            op.run(0, n);
            return;
        }
        task = op;
        length = n;
        start.arriveAndAwaitAdvance();
        op.run(0, bound(0, n));
        done.arriveAndAwaitAdvance();
        task = null;
    }

    private int bound(int part, int n) {
        return (int) ((long) n * (part + 1) / threads);
    }

    private void helperLoop(int part) {
        while (true) {
            start.arriveAndAwaitAdvance();
            if (closed) {
                return;
            }
            int n = length;
            try {
                task.run((int) ((long) n * part / threads), bound(part, n));
            } finally {
                done.arriveAndAwaitAdvance();
            }
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (helpers.length > 0) {
            start.arriveAndDeregister();
        }
    }
}
