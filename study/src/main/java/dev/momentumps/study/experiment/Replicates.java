package dev.momentumps.study.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Runs independent replicates (seeds, grid cells, simulated schedules) on a fixed-size pool of daemon
 * threads, by default one per core. Each replicate must depend only on its index (its own seed, its own
 * server core and workers), and results come back in index order, so an experiment's numbers are the same
 * whatever the number of threads. A {@link #map} called from inside a replicate runs its tasks in the
 * calling thread (the pool is already busy with the outer level; nesting never deadlocks).
 */
public final class Replicates {
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);
    private static final Object LOCK = new Object();
    private static int threads = Runtime.getRuntime().availableProcessors();
    private static ExecutorService pool;

    private Replicates() {
    }

    /** How many threads replicates run on (>= 1); {@code ./mps experiment --threads}. */
    public static void threads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + n);
        }
        synchronized (LOCK) {
            if (n != threads && pool != null) {
                pool.shutdown();
                pool = null;
            }
            threads = n;
        }
    }

    public static int threads() {
        synchronized (LOCK) {
            return threads;
        }
    }

    /** task(0), …, task(n − 1), run in parallel, returned in index order; the first failure is rethrown. */
    public static <T> List<T> map(int n, IntFunction<T> task) {
        List<T> out = new ArrayList<>(n);
        ExecutorService p = INSIDE.get() || n <= 1 ? null : pool();
        if (p == null) {
            for (int i = 0; i < n; i++) {
                out.add(task.apply(i));
            }
            return out;
        }
        List<Future<T>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int k = i;
            futures.add(p.submit(() -> {
                INSIDE.set(true);
                try {
                    return task.apply(k);
                } finally {
                    INSIDE.set(false);
                }
            }));
        }
        try {
            for (Future<T> f : futures) {
                out.add(f.get());
            }
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for replicates", e);
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
        return out;
    }

    /** {@link #map} for a double per replicate. */
    public static double[] mapToDouble(int n, java.util.function.IntToDoubleFunction task) {
        List<Double> l = map(n, task::applyAsDouble);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = l.get(i);
        }
        return out;
    }

    private static ExecutorService pool() {
        synchronized (LOCK) {
            if (threads == 1) {
                return null;
            }
            if (pool == null) {
                AtomicInteger count = new AtomicInteger();
                pool = Executors.newFixedThreadPool(threads, r -> {
                    Thread t = new Thread(r, "replicate-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
            }
            return pool;
        }
    }
}
