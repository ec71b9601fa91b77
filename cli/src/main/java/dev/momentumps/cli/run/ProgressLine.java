package dev.momentumps.cli.run;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The one-line progress of {@code mps train}: before the first update "starting: waiting for workers (k/W
 * registered)", then a bar of constant width, pushes done, updates per second and an ETA measured from the
 * first update (so start-up does not skew it), and the latest evaluated loss and mean staleness. Once all
 * pushes are done only {@link #finish} prints the full bar, once. On a terminal the line is redrawn in place every {@value #REDRAW_MS} ms; otherwise (a log, CI) a new line is
 * printed every {@value #LOG_MS} ms.
 */
public final class ProgressLine {
    static final long REDRAW_MS = 250;
    static final long LOG_MS = 2_000;
    static final int BAR = 30;

    private final PrintStream out;
    private final boolean terminal;
    private final long total;
    private long firstUpdateNanos = -1;
    private long firstUpdatePushes;
    private long lastPrint;
    private int lastLength;

    /** @param total the pushes the run will make */
    public ProgressLine(PrintStream out, boolean terminal, long total) {
        this.out = out;
        this.terminal = terminal;
        this.total = Math.max(1, total);
    }

    /** Before the model is initialised: workers registered so far. */
    public void waiting(int registered, int workers, long nowNanos) {
        show(String.format(Locale.ROOT, "train  starting: waiting for workers (%d/%d registered)", registered,
                workers), nowNanos, false);
    }

    /**
     * @param pushes    gradients pushed so far (applied + dropped)
     * @param version   the server version
     * @param loss      the latest evaluated training loss (NaN before the first evaluation)
     * @param staleness the mean staleness so far
     */
    public void running(long pushes, long version, double loss, double staleness, long nowNanos) {
        if (pushes >= total) {
            return; // the run's last line is finish()'s, with the final loss: not a second 100% line
        }
        show(line(pushes, version, loss, staleness, nowNanos), nowNanos, false);
    }

    /** The last line, printed whatever the time since the previous one; ends it on a terminal. */
    public void finish(long pushes, long version, double loss, double staleness, long nowNanos) {
        show(line(pushes, version, loss, staleness, nowNanos), nowNanos, true);
        if (terminal) {
            out.println();
        }
    }

    String line(long pushes, long version, double loss, double staleness, long nowNanos) {
        if (firstUpdateNanos < 0 && version > 0) {
            firstUpdateNanos = nowNanos;
            firstUpdatePushes = pushes;
        }
        double fraction = Math.min(1, (double) pushes / total);
        int filled = (int) Math.round(fraction * BAR);
        StringBuilder b = new StringBuilder("train [");
        for (int i = 0; i < BAR; i++) {
            b.append(i < filled ? '=' : i == filled ? '>' : ' ');
        }
        b.append(String.format(Locale.ROOT, "] %3d%% %d/%d pushes", Math.round(100 * fraction), pushes, total));
        double seconds = firstUpdateNanos < 0 ? 0 : (nowNanos - firstUpdateNanos) / 1e9;
        if (seconds > 0.5 && pushes > firstUpdatePushes) {
            double rate = (pushes - firstUpdatePushes) / seconds;
            b.append(String.format(Locale.ROOT, "  %.0f pushes/s  ETA %s", rate,
                    duration((total - Math.min(total, pushes)) / rate)));
        }
        // no loss before the first evaluation: "-", not NaN
        b.append(Double.isNaN(loss) ? "  loss -" : String.format(Locale.ROOT, "  loss %.4g", loss));
        b.append(String.format(Locale.ROOT, "  staleness %.2f", staleness));
        return b.toString();
    }

    /** {@code 0:42}, {@code 12:05}, {@code 1:02:03}. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    private void show(String text, long nowNanos, boolean force) {
        long every = terminal ? REDRAW_MS : LOG_MS;
        if (!force && lastPrint != 0 && (nowNanos - lastPrint) / 1_000_000 < every) {
            return;
        }
        lastPrint = nowNanos;
        if (terminal) {
            int pad = Math.max(0, lastLength - text.length());
            out.print("\r" + text + " ".repeat(pad));
            lastLength = text.length();
        } else {
            out.println(text);
        }
        out.flush();
    }
}
