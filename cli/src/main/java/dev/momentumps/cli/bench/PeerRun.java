package dev.momentumps.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of the PyTorch RPC peer ({@code ps_throughput.py}) with the CPU its processes use in the timed
 * window: the peer's server and trainers are one process tree, sampled every 100 ms from {@code /proc}. The
 * peer prints its JSON line (and TensorPipe its "shutting down" lines) right after its timed window, so the
 * window is taken as the {@code seconds} before the last sample without that output; CPU between two samples
 * is interpolated linearly. Adds {@code cpu_seconds_window}, {@code cpu_ms_per_round} and
 * {@code cpu_ns_per_byte} (CPU over rounds × P × 4 × 2 bytes) to the peer's JSON.
 */
final class PeerRun {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SAMPLE_MS = 100;

    private PeerRun() {
    }

    static ObjectNode run(List<String> cmd, Path log, double seconds, long timeoutSeconds) throws Exception {
        Process p = BenchProcess.command(cmd, log);
        Map<Long, Double> seen = new HashMap<>();
        List<double[]> samples = new ArrayList<>(); // {nanos, cpu seconds}
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        double endNanos = Double.NaN;
        try {
            while (!p.waitFor(SAMPLE_MS, TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the peer did not finish in " + timeoutSeconds + " s:\n"
                            + BenchProcess.tail(log));
                }
                long now = System.nanoTime();
                double cpu = BenchProcess.treeCpuSeconds(p.toHandle(), seen);
                if (Double.isNaN(endNanos)) {
                    if (timedWindowOver(Files.readString(log))) {
                        // the last sample still inside the window; -1 (no figure) if there is none
                        endNanos = samples.isEmpty() ? -1 : samples.get(samples.size() - 1)[0];
                    } else {
                        samples.add(new double[] {now, cpu});
                    }
                }
            }
        } finally {
            BenchProcess.stop(p);
        }
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("{")) {
                out.add(JSON.readTree(line));
            }
        }
        if (out.isEmpty() || p.exitValue() != 0) {
            throw new IllegalStateException("the peer exited with " + p.exitValue() + " and printed no JSON:\n"
                    + BenchProcess.tail(log));
        }
        ObjectNode j = (ObjectNode) out.get(out.size() - 1);
        double window = endNanos > 0 ? cpuBetween(samples, endNanos - seconds * 1e9, endNanos) : Double.NaN;
        double rounds = j.path("rounds_per_s").asDouble() * seconds;
        double bytes = rounds * j.path("params").asDouble() * Float.BYTES * 2;
        j.put("cpu_seconds_window", TransportBench.round(window, 3));
        j.put("cpu_ms_per_round", TransportBench.round(window * 1000 / rounds, 3));
        j.put("cpu_ns_per_byte", TransportBench.round(window * 1e9 / bytes, 4));
        return j;
    }

    /** The peer's JSON line, or TensorPipe's log line at its shutdown, both printed after the timed window. */
    static boolean timedWindowOver(String log) {
        return log.contains("is shutting down") || log.lines().anyMatch(l -> l.startsWith("{"));
    }

    /**
     * CPU seconds used between two instants, from samples {nanos, cumulative CPU seconds} in time order,
     * interpolated linearly; NaN when the samples do not cover {@code from}.
     */
    static double cpuBetween(List<double[]> samples, double from, double to) {
        return cpuAt(samples, to) - cpuAt(samples, from);
    }

    private static double cpuAt(List<double[]> samples, double t) {
        for (int i = 1; i < samples.size(); i++) {
            double[] a = samples.get(i - 1);
            double[] b = samples.get(i);
            if (a[0] <= t && t <= b[0]) {
                return b[0] == a[0] ? b[1] : a[1] + (b[1] - a[1]) * (t - a[0]) / (b[0] - a[0]);
            }
        }
        return Double.NaN;
    }
}
