package dev.momentumps.study.report;

import dev.momentumps.server.core.UpdateListener;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes one CSV line per applied gradient: {@code update,wall_seconds,worker,staleness,minibatch_loss}.
 * Lines are buffered; {@link #close} flushes them.
 */
public final class MetricsCsv implements UpdateListener, AutoCloseable {
    public static final String HEADER = "update,wall_seconds,worker,staleness,minibatch_loss";
    private final BufferedWriter out;
    private final long startNanos;

    public MetricsCsv(Path file, long startNanos) throws IOException {
        this.out = Files.newBufferedWriter(file);
        this.startNanos = startNanos;
        out.write(HEADER);
        out.newLine();
    }

    @Override
    public synchronized void onApplied(long version, int workerId, long staleness, double loss, long nanos) {
        try {
            out.write(String.format(Locale.ROOT, "%d,%.6f,%d,%d,%s%n", version, (nanos - startNanos) / 1e9, workerId,
                    staleness, Double.isNaN(loss) ? "" : Double.toString(loss)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized void flush() throws IOException {
        out.flush();
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
