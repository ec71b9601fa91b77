package dev.momentumps.study.report;

import dev.momentumps.server.compensation.GapMeter;
import dev.momentumps.server.core.UpdateListener;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Writes one CSV line per applied gradient: {@code update,wall_seconds,worker,staleness,minibatch_loss,gap}.
 * The gap ‖θ_apply − θ_computed‖₂ comes from a {@link GapMeter} this file {@link #measuring measures with}
 * (empty without one, or for a gradient the meter did not measure). Lines are buffered; {@link #close}
 * flushes them.
 */
public final class MetricsCsv implements UpdateListener, GapMeter.Listener, AutoCloseable {
    public static final String HEADER = "update,wall_seconds,worker,staleness,minibatch_loss,gap";
    private final BufferedWriter out;
    private final long startNanos;
    /** Per worker id, the gap of its gradient not yet applied (NaN: none measured). */
    private double[] pendingGap = new double[0];

    public MetricsCsv(Path file, long startNanos) throws IOException {
        this.out = Files.newBufferedWriter(file);
        this.startNanos = startNanos;
        out.write(HEADER);
        out.newLine();
    }

    /** Takes the gap of every gradient from {@code meter} (nothing when it is null). */
    public MetricsCsv measuring(GapMeter meter) {
        if (meter != null) {
            meter.addListener(this);
        }
        return this;
    }

    @Override
    public synchronized void onGap(int workerId, long staleness, double gap) {
        if (workerId >= pendingGap.length) {
            int n = pendingGap.length;
            pendingGap = Arrays.copyOf(pendingGap, Math.max(workerId + 1, 2 * n));
            Arrays.fill(pendingGap, n, pendingGap.length, Double.NaN);
        }
        pendingGap[workerId] = gap;
    }

    @Override
    public synchronized void onApplied(long version, int workerId, long staleness, double loss, long nanos) {
        double gap = Double.NaN;
        if (workerId >= 0 && workerId < pendingGap.length) {
            gap = pendingGap[workerId];
            pendingGap[workerId] = Double.NaN;
        }
        try {
            out.write(String.format(Locale.ROOT, "%d,%.6f,%d,%d,%s,%s%n", version, (nanos - startNanos) / 1e9, workerId,
                    staleness, Double.isNaN(loss) ? "" : Double.toString(loss),
                    Double.isNaN(gap) ? "" : Double.toString(gap)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A gradient dropped unapplied takes its gap with it. */
    @Override
    public synchronized void onDropped(int workerId, DropReason reason) {
        if (workerId >= 0 && workerId < pendingGap.length) {
            pendingGap[workerId] = Double.NaN;
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
