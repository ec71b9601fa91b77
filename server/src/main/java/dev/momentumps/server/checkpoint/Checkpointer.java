package dev.momentumps.server.checkpoint;

import dev.momentumps.server.core.CoreSnapshot;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.UpdateListener;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Writes the core's state to a {@link CheckpointStore} every {@code everyUpdates} updates and/or every
 * {@code everyMillis} ms (whichever comes first; 0 disables either), and once more at {@link #close}.
 *
 * <p>Checkpoints due by update count are written synchronously by the update listener, which the core calls
 * under its lock right after the update and before the push that made it is acknowledged: no update is
 * applied while that checkpoint is written, so a server that dies loses fewer than {@code everyUpdates}
 * acknowledged updates (at most one checkpoint interval). For small models the write takes milliseconds; for
 * big ones it pauses training for the write (choose the interval accordingly). Checkpoints due by time are
 * written by a background thread while training goes on.
 *
 * <p>A failed write (a read-only or full disk) is an event, not a line per update: the first failure, and
 * each later one with a different message, is logged once; the next attempt waits out a backoff that doubles
 * from {@code 1 s} to {@code 60 s} with each failure in a row (updates in between are acknowledged without a
 * checkpoint); the first success after failures is logged with their count. {@link #report} and the
 * {@link #onReport} listener give the counters (written, failures, last error) to whoever reports the run.
 *
 * <p>Lock order: the core's lock, then {@code writeLock}; the background thread takes its snapshot (the
 * core's lock) before {@code writeLock}, never inside it, so the two paths cannot deadlock.
 */
public final class Checkpointer implements UpdateListener, AutoCloseable {
    private final ParameterServerCore core;
    private final CheckpointStore store;
    private final long everyUpdates;
    private final long everyMillis;
    private final Consumer<String> log;
    private final Thread thread;
    private final Object writeLock = new Object();
    private volatile long lastWrittenVersion = -1;
    private long lastWriteNanos = System.nanoTime();
    private boolean closing;
    private volatile boolean started;
    private long initialBackoffNanos = TimeUnit.SECONDS.toNanos(1);
    private long maxBackoffNanos = TimeUnit.SECONDS.toNanos(60);
    private Consumer<CheckpointReport> onReport = r -> { };
    // written under writeLock
    private volatile CheckpointReport report = CheckpointReport.NONE;
    private volatile int failuresInARow;
    private volatile long retryAtNanos;
    private String loggedKind;
    private volatile long lastDurationNanos = -1;
    private volatile long lastWrittenAtNanos = -1;

    public Checkpointer(ParameterServerCore core, CheckpointStore store, long everyUpdates, long everyMillis,
                        Consumer<String> log) {
        if (everyUpdates < 0 || everyMillis < 0) {
            throw new IllegalArgumentException("checkpoint intervals must be >= 0, got " + everyUpdates
                    + " updates and " + everyMillis + " ms");
        }
        this.core = core;
        this.store = store;
        this.everyUpdates = everyUpdates;
        this.everyMillis = everyMillis;
        this.log = log;
        this.thread = new Thread(this::loop, "mps-checkpointer");
        this.thread.setDaemon(true);
    }

    /** Sets the backoff after a failed write: {@code initialMillis}, doubling up to {@code maxMillis}. */
    public Checkpointer backoff(long initialMillis, long maxMillis) {
        if (initialMillis < 0 || maxMillis < initialMillis) {
            throw new IllegalArgumentException("checkpoint backoff must be 0 <= initial <= max, got " + initialMillis
                    + " and " + maxMillis + " ms");
        }
        this.initialBackoffNanos = TimeUnit.MILLISECONDS.toNanos(initialMillis);
        this.maxBackoffNanos = TimeUnit.MILLISECONDS.toNanos(maxMillis);
        return this;
    }

    /** Tells {@code listener} the counters after every write and every failure (called with a lock held). */
    public Checkpointer onReport(Consumer<CheckpointReport> listener) {
        this.onReport = listener;
        return this;
    }

    /** Starts the background writer and listens to the core; the current version counts as written. */
    public Checkpointer start() {
        return start(core.version());
    }

    /**
     * As {@link #start}, then writes the current state at once: a hot standby that takes over
     * ({@code StandbyService#onServing}) has its state in no checkpoint of its own. A failed write is counted
     * and logged like any other.
     */
    public Checkpointer startWritingNow() {
        lastWrittenVersion = -1;
        attemptCounted(true); // before it listens: an update meanwhile cannot start a second write
        long written = lastWrittenVersion;
        return start(written >= 0 ? written : core.version());
    }

    private Checkpointer start(long writtenVersion) {
        lastWrittenVersion = writtenVersion;
        core.addListener(this);
        thread.start();
        started = true;
        return this;
    }

    /** Whether {@link #start} was called (a checkpointer never started writes nothing at {@link #close}). */
    public boolean started() {
        return started;
    }

    @Override
    public void onApplied(long version, int workerId, long staleness, double loss, long nanoTime) {
        if (everyUpdates > 0 && version - lastWrittenVersion >= everyUpdates && !backingOff()) {
            // under the core's lock (re-entrant for snapshot()): durable before this update is acknowledged
            attemptCounted(false);
        }
    }

    /** Seconds the last checkpoint took to write; NaN before the first. */
    public double lastDurationSeconds() {
        long d = lastDurationNanos;
        return d < 0 ? Double.NaN : d / 1e9;
    }

    /** Seconds since the last checkpoint was written; NaN before the first. */
    public double secondsSinceLastWrite() {
        long t = lastWrittenAtNanos;
        return t < 0 ? Double.NaN : (System.nanoTime() - t) / 1e9;
    }

    /** Checkpoints written so far. */
    public long written() {
        return report.written();
    }

    /** The counters so far. */
    public CheckpointReport report() {
        return report;
    }

    /**
     * Writes a checkpoint now unless the current version is already on disk, whatever the backoff.
     * @return the file, or null
     * @throws IOException when the write fails (also counted and reported as a failure)
     */
    public Path checkpointNow() throws IOException {
        return attempt(true);
    }

    /** An attempt whose failure is only counted and logged. */
    private Path attemptCounted(boolean force) {
        try {
            return attempt(force);
        } catch (IOException | RuntimeException counted) {
            return null;
        }
    }

    private boolean backingOff() {
        return failuresInARow > 0 && System.nanoTime() - retryAtNanos < 0;
    }

    /**
     * One attempt: writes, or counts the failure, logs it (once per distinct message), backs off and throws it.
     * @return the file, or null when there was nothing new to write or the backoff is not over
     */
    private Path attempt(boolean force) throws IOException {
        CoreSnapshot s;
        try {
            s = core.snapshot();
        } catch (RuntimeException e) {
            failed(e);
            throw e;
        }
        synchronized (writeLock) {
            if (s == null || s.version() <= lastWrittenVersion || (!force && backingOff())) {
                return null;
            }
            long t0 = System.nanoTime();
            Path p;
            try {
                p = store.write(s);
            } catch (IOException | RuntimeException e) {
                failed(e);
                throw e;
            }
            lastWrittenVersion = s.version();
            synchronized (this) {
                lastWriteNanos = System.nanoTime();
            }
            lastDurationNanos = System.nanoTime() - t0;
            lastWrittenAtNanos = System.nanoTime();
            CheckpointReport r = report;
            report = new CheckpointReport(r.written() + 1, r.failures(), r.lastError(), s.version());
            String again = failuresInARow == 0 ? "" : String.format(Locale.ROOT,
                    " (written again after %d failed attempts in a row)", failuresInARow);
            failuresInARow = 0;
            loggedKind = null;
            log.accept(String.format(Locale.ROOT, "checkpoint %s (version %d, %.1f ms)%s", p.getFileName(),
                    s.version(), (System.nanoTime() - t0) / 1e6, again));
            onReport.accept(report);
            return p;
        }
    }

    private void failed(Exception e) {
        synchronized (writeLock) {
            String message = e.toString();
            CheckpointReport r = report;
            report = new CheckpointReport(r.written(), r.failures() + 1, message, r.lastVersion());
            failuresInARow++;
            long backoff = initialBackoffNanos << Math.min(failuresInARow - 1, 20);
            backoff = backoff < 0 || backoff > maxBackoffNanos ? maxBackoffNanos : backoff;
            retryAtNanos = System.nanoTime() + backoff;
            String kind = kind(e);
            if (!kind.equals(loggedKind)) {
                loggedKind = kind;
                log.accept(String.format(Locale.ROOT, "checkpoint failed: %s; training goes on, retrying with "
                        + "backoff (%d ms, doubling to %d ms); further failures like this one are counted, not "
                        + "logged", message, TimeUnit.NANOSECONDS.toMillis(backoff),
                        TimeUnit.NANOSECONDS.toMillis(maxBackoffNanos)));
            }
            onReport.accept(report);
        }
    }

    /** What makes two failures the same for the log: the exception's class and reason, not the temp file's name. */
    private static String kind(Exception e) {
        return e instanceof FileSystemException f ? f.getClass().getName() + ": " + f.getReason()
                : e.getClass().getName() + ": " + e.getMessage();
    }

    private void loop() {
        while (true) {
            synchronized (this) {
                while (!closing && !due()) {
                    try {
                        long waitMs = everyMillis > 0
                                ? Math.max(1, everyMillis - (System.nanoTime() - lastWriteNanos) / 1_000_000) : 1000;
                        wait(waitMs);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closing) {
                    return;
                }
            }
            if (attemptCounted(false) == null) {
                synchronized (this) {
                    lastWriteNanos = System.nanoTime(); // nothing new, or failed: wait a whole interval again
                }
            }
        }
    }

    /** Called with this object's lock held; must not call the core. Update-count checkpoints are written inline. */
    private boolean due() {
        return everyMillis > 0 && (System.nanoTime() - lastWriteNanos) / 1_000_000 >= everyMillis;
    }

    /**
     * Stops the background writer and writes a final checkpoint (whatever the backoff). A failure is counted
     * and logged like any other, not thrown: {@link #report} tells the caller. A checkpointer never started
     * writes nothing.
     */
    @Override
    public void close() throws InterruptedException {
        if (!started) {
            return;
        }
        synchronized (this) {
            closing = true;
            notifyAll();
        }
        thread.join(TimeUnit.SECONDS.toMillis(30));
        attemptCounted(true);
    }
}
