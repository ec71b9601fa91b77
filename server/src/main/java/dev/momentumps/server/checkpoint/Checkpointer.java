package dev.momentumps.server.checkpoint;

import dev.momentumps.server.core.CoreSnapshot;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.UpdateListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Writes the core's state to a {@link CheckpointStore} every {@code everyUpdates} updates and/or every
 * {@code everyMillis} ms (whichever comes first; 0 disables either), and once more at {@link #close}.
 *
 * <p>Checkpoints due by update count are written synchronously by the update listener, which the core calls
 * under its lock right after the update and before the push that made it is acknowledged: no update is
 * applied while that checkpoint is written, so a server that dies loses fewer than {@code everyUpdates}
 * acknowledged updates (the bound: at most one checkpoint interval). For small models the write
 * takes milliseconds; for big ones it pauses training for the write (choose the interval accordingly).
 * Checkpoints due by time are written by a background thread while training goes on.
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
    private volatile long latestVersion;
    private long lastWriteNanos = System.nanoTime();
    private boolean closing;
    private volatile long written;

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

    /** Starts the background writer and listens to the core; the current version counts as written. */
    public Checkpointer start() {
        lastWrittenVersion = core.version();
        latestVersion = lastWrittenVersion;
        core.addListener(this);
        thread.start();
        return this;
    }

    @Override
    public void onApplied(long version, int workerId, long staleness, double loss, long nanoTime) {
        latestVersion = version;
        if (everyUpdates > 0 && version - lastWrittenVersion >= everyUpdates) {
            // under the core's lock (re-entrant for snapshot()): durable before this update is acknowledged
            try {
                write(core.snapshot());
            } catch (IOException | RuntimeException e) {
                log.accept("checkpoint failed: " + e);
            }
        }
    }

    /** Checkpoints written so far. */
    public long written() {
        return written;
    }

    /** Writes a checkpoint now unless the current version is already on disk. @return the file, or null */
    public Path checkpointNow() throws IOException {
        return write(core.snapshot());
    }

    private Path write(CoreSnapshot s) throws IOException {
        synchronized (writeLock) {
            if (s == null || s.version() <= lastWrittenVersion) {
                return null;
            }
            long t0 = System.nanoTime();
            Path p = store.write(s);
            lastWrittenVersion = s.version();
            synchronized (this) {
                lastWriteNanos = System.nanoTime();
            }
            written++;
            log.accept(String.format(java.util.Locale.ROOT, "checkpoint %s (version %d, %.1f ms)", p.getFileName(),
                    s.version(), (System.nanoTime() - t0) / 1e6));
            return p;
        }
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
            try {
                if (checkpointNow() == null) {
                    synchronized (this) {
                        lastWriteNanos = System.nanoTime(); // nothing new: wait a whole interval again
                    }
                }
            } catch (IOException | RuntimeException e) {
                log.accept("checkpoint failed: " + e);
                synchronized (this) {
                    lastWriteNanos = System.nanoTime();
                }
            }
        }
    }

    /** Called with this object's lock held; must not call the core. Update-count checkpoints are written inline. */
    private boolean due() {
        return everyMillis > 0 && (System.nanoTime() - lastWriteNanos) / 1_000_000 >= everyMillis;
    }

    /** Stops the background writer and writes a final checkpoint. */
    @Override
    public void close() throws IOException, InterruptedException {
        synchronized (this) {
            closing = true;
            notifyAll();
        }
        thread.join(TimeUnit.SECONDS.toMillis(30));
        checkpointNow();
    }
}
