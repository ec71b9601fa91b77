package dev.momentumps.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How busy the machine is just before a benchmark run: the 1-minute load average ({@code /proc/loadavg})
 * and the share of CPU time that was idle over a short sample ({@code /proc/stat}, idle + iowait over all
 * jiffies). Rounds per second on a shared machine mean little without them.
 */
final class MachineLoad {
    private MachineLoad() {
    }

    /** {@code load_1m} and {@code idle_pct} over {@code millis} of sampling; NaN where not on Linux. */
    static Map<String, Object> sample(long millis) throws InterruptedException {
        long[] a = cpuJiffies();
        Thread.sleep(millis);
        long[] b = cpuJiffies();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("load_1m", loadAverage());
        m.put("idle_pct", idlePercent(a, b));
        return m;
    }

    /** The idle share in percent between two {@code /proc/stat} readings (total, idle + iowait); NaN if unknown. */
    static double idlePercent(long[] before, long[] after) {
        if (before == null || after == null || after[0] <= before[0]) {
            return Double.NaN;
        }
        return TransportBench.round(100.0 * (after[1] - before[1]) / (after[0] - before[0]), 1);
    }

    /** The first line of {@code /proc/stat} as {total jiffies, idle + iowait jiffies}; null when unreadable. */
    static long[] parseCpuLine(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 6 || !f[0].equals("cpu")) {
            return null;
        }
        long total = 0;
        // user nice system idle iowait irq softirq steal (guest and guest_nice are already in user and nice)
        for (int i = 1; i < Math.min(f.length, 9); i++) {
            total += Long.parseLong(f[i]);
        }
        return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
    }

    private static long[] cpuJiffies() {
        try {
            return parseCpuLine(Files.readAllLines(Path.of("/proc/stat")).get(0));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
