package dev.momentumps.study.report;

import dev.momentumps.server.checkpoint.CheckpointReport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A server's {@link CheckpointReport} as a small JSON file ({@code written}, {@code failures},
 * {@code last_error}, {@code last_version}), which {@code mps server --checkpoint-report} rewrites whenever
 * the counters change and {@code mps train} reads to report a run's checkpoints. Replaced atomically, so a
 * reader sees the old or the new counters, never a torn file.
 */
public final class CheckpointReports {
    private CheckpointReports() {
    }

    public static void write(Path file, CheckpointReport r) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        RunSummary.mapper().writeValue(tmp.toFile(), r);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** As {@link #write}, a failure only printed to {@code log}: the checkpoints themselves go on. */
    public static void writeQuietly(Path file, CheckpointReport r, PrintStream log) {
        try {
            write(file, r);
        } catch (IOException | RuntimeException e) {
            log.println("momentum-ps server: cannot write the checkpoint report " + file + ": " + e);
        }
    }

    /** The report in {@code file}, or null when there is none (yet) or it cannot be read. */
    public static CheckpointReport read(Path file) {
        try {
            return Files.isRegularFile(file) ? RunSummary.mapper().readValue(file.toFile(), CheckpointReport.class)
                    : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The sum of the reports in {@code files} (in order: a later file's error wins), null when none has one. */
    public static CheckpointReport sum(List<Path> files) {
        CheckpointReport total = null;
        for (Path f : files) {
            CheckpointReport r = read(f);
            if (r != null) {
                total = total == null ? r : total.plus(r);
            }
        }
        return total;
    }
}
