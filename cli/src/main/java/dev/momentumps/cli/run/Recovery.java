package dev.momentumps.cli.run;

import dev.momentumps.cli.options.RecoveryOptions;
import dev.momentumps.study.report.CheckpointReports;
import dev.momentumps.server.checkpoint.CheckpointReport;
import dev.momentumps.server.checkpoint.CheckpointStore;
import dev.momentumps.server.checkpoint.Checkpointer;
import dev.momentumps.server.core.CoreSnapshot;
import dev.momentumps.server.core.LeaseMonitor;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.grpc.StandbyService;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A server's recovery machinery, from {@link RecoveryOptions}: resume from the newest valid checkpoint,
 * write checkpoints while running, expire the leases of silent workers, and write a final checkpoint at
 * {@link #close}.
 */
public final class Recovery implements AutoCloseable {
    private final Checkpointer checkpointer;
    private final LeaseMonitor leases;
    private boolean closed;

    private Recovery(Checkpointer checkpointer, LeaseMonitor leases) {
        this.checkpointer = checkpointer;
        this.leases = leases;
    }

    /** Resumes {@code core} if asked, then starts the checkpointer and the lease monitor. Logs to {@code log}. */
    public static Recovery start(ParameterServerCore core, RecoveryOptions o, PrintStream log) throws IOException {
        return start(core, o, log, null);
    }

    /**
     * As {@link #start(ParameterServerCore, RecoveryOptions, PrintStream)}; with a {@code reportFile}, the
     * checkpoint counters ({@link CheckpointReport}) are written there as JSON whenever they change.
     */
    public static Recovery start(ParameterServerCore core, RecoveryOptions o, PrintStream log, Path reportFile)
            throws IOException {
        return start(core, o, log, reportFile, null);
    }

    /**
     * As {@link #start(ParameterServerCore, RecoveryOptions, PrintStream, Path)} for the core of a hot standby
     * ({@code standby} not null): it writes no checkpoints while its primary lives (the primary does), and
     * when it takes over it writes one at once and then checkpoints as a primary does, with the same
     * directory and intervals.
     */
    public static Recovery start(ParameterServerCore core, RecoveryOptions o, PrintStream log, Path reportFile,
                                 StandbyService standby) throws IOException {
        if (o.resume != null) {
            CheckpointStore.Loaded loaded = new CheckpointStore(o.resume, o.keepCheckpoints, msg -> log.println(
                    "momentum-ps server: " + msg)).loadNewestValid(msg -> log.println("momentum-ps server: " + msg));
            if (loaded == null) {
                throw new IllegalArgumentException("--resume " + o.resume + ": no valid checkpoint in it");
            }
            CoreSnapshot s = loaded.snapshot();
            core.restore(s);
            log.printf(Locale.ROOT, "momentum-ps server: resumed from %s: version %d, %d gradients applied, "
                            + "%d workers known (they register again)%n", loaded.file(), s.version(),
                    s.gradientsApplied(), s.workers().size());
            if (!s.updateRule().equals(core.rule().toString())) {
                log.println("momentum-ps server: note: the checkpoint was written by " + s.updateRule()
                        + ", this server runs " + core.rule());
            }
        }
        Checkpointer cp = null;
        Path dir = o.checkpointDirectory();
        if (dir != null) {
            cp = new Checkpointer(core, new CheckpointStore(dir, o.keepCheckpoints,
                    msg -> log.println("momentum-ps server: " + msg)), o.checkpointEvery,
                    o.checkpointSeconds * 1000, msg -> log.println("momentum-ps server: " + msg));
            if (reportFile != null) {
                CheckpointReports.write(reportFile, CheckpointReport.NONE);
                cp.onReport(r -> CheckpointReports.writeQuietly(reportFile, r, log));
            }
            if (standby == null) {
                cp.start();
            }
        }
        LeaseMonitor lm = o.leaseMillis > 0
                ? new LeaseMonitor(core, o.leaseMillis, msg -> log.println("momentum-ps server: " + msg)).start()
                : null;
        log.flush();
        Recovery r = new Recovery(cp, lm);
        if (standby != null) {
            standby.onServing(r::promoted);
        }
        return r;
    }

    /** The standby took over: checkpoints start, the first at once (nothing once closed). */
    private synchronized void promoted() {
        if (!closed && checkpointer != null && !checkpointer.started()) {
            checkpointer.startWritingNow();
        }
    }

    /** The checkpoint writer; null when checkpoints are off. */
    public Checkpointer checkpointer() {
        return checkpointer;
    }

    /** The checkpoint counters, or null when this server writes no checkpoints. */
    public CheckpointReport checkpoints() {
        return checkpointer == null ? null : checkpointer.report();
    }

    /** Stops the lease monitor and writes the final checkpoint (once; later calls do nothing). */
    @Override
    public synchronized void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        if (leases != null) {
            leases.close();
        }
        if (checkpointer != null) {
            checkpointer.close();
        }
    }
}
