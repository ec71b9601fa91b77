package dev.momentumps.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The comparison table of {@code mps bench compare}: rows of ours vs the peer (rounds/s and CPU per byte
 * moved), the machine's limits, and the check that the peer ran inside the comparison as fast as alone.
 */
final class CompareTable {
    private double tcpOneStream = Double.NaN;
    private final Map<Integer, Double> cMomentum = new LinkedHashMap<>();
    private final Map<Integer, Double> javaMomentum = new LinkedHashMap<>();
    private final Map<String, JsonNode> peer = new LinkedHashMap<>();
    private final Map<String, JsonNode> peerAlone = new LinkedHashMap<>();
    private final Map<String, Map<String, Object>> ours = new LinkedHashMap<>();
    private final List<String> keys = new ArrayList<>();
    private final List<Map<String, Object>> scaling = new ArrayList<>();

    void limit(JsonNode j) {
        String kind = j.path("limit").asText();
        if (kind.equals("loopback_tcp_iperf3") && j.path("case").asText().equals("1 stream")) {
            tcpOneStream = j.path("gbytes_per_s").asDouble(Double.NaN);
        } else if (kind.equals("mem_momentum_fused")) {
            cMomentum.put(j.path("threads").asInt(), j.path("gbytes_per_s").asDouble());
        }
    }

    void apply(int threads, Map<String, Object> m) {
        javaMomentum.put(threads, ((Number) m.get("gbytes_per_s")).doubleValue());
    }

    /** The peer's one run alone, before anything of ours ran; {@code transport} as ps_throughput.py names it. */
    void peerAlone(int p, int w, String transport, JsonNode j) {
        peerAlone.put(p + "/" + w + "/" + transport, j);
    }

    /** The peer's median run inside the comparison. */
    void peer(int p, int w, String transport, JsonNode j) {
        String k = p + "/" + w;
        if (!keys.contains(k)) {
            keys.add(k);
        }
        peer.put(k + "/" + transport, j);
    }

    /** Ours: {@code kind} auto, tcp or python (Python workers). */
    void ours(int p, int w, String kind, Map<String, Object> m) {
        ours.put(p + "/" + w + "/" + kind, m);
    }

    void scaling(Map<String, Object> m) {
        scaling.add(m);
    }

    /**
     * Every peer configuration whose median inside the comparison is below {@code floor} × its run alone,
     * as a line naming it and both figures; empty when the comparison is fair.
     */
    List<String> unfairPeers(double floor) {
        List<String> unfair = new ArrayList<>();
        peer.forEach((k, inside) -> {
            JsonNode alone = peerAlone.get(k);
            double a = alone == null ? Double.NaN : alone.path("rounds_per_s").asDouble(Double.NaN);
            double in = inside.path("rounds_per_s").asDouble(Double.NaN);
            if (!(in >= floor * a)) {
                String[] f = k.split("/");
                unfair.add(String.format(Locale.ROOT, "peer P=%s W=%s --transport %s: %.1f rounds/s inside (median), "
                        + "%.1f alone (%.0f%%)", f[0], f[1], f[2], in, a, 100 * in / a));
            }
        });
        return unfair;
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("| P | W | peer shm rounds/s (alone) | peer TCP rounds/s (alone) | ours auto rounds/s (path) | × peer shm "
                + "| ours TCP rounds/s | × peer TCP | ours, Python workers | × peer shm | CPU ns/byte: peer shm, auto, Python "
                + "| CPU ns/byte: peer TCP, ours TCP | ours TCP GB/s (× iperf3 1 stream) | p50 / p99 ms (auto) "
                + "| server PSS / RSS MiB (bound) |\n");
        b.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (String k : keys) {
            String[] pw = k.split("/");
            JsonNode ps = peer.get(k + "/default");
            JsonNode pt = peer.get(k + "/tcp");
            Map<String, Object> a = ours.get(k + "/auto");
            Map<String, Object> t = ours.get(k + "/tcp");
            Map<String, Object> py = ours.get(k + "/python");
            double psr = rate(ps);
            double ptr = rate(pt);
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s, %s, %s | %s, %s "
                            + "| %s (%s) | %s / %s | %s / %s (%s) |%n",
                    pw[0], pw[1], withAlone(ps, peerAlone.get(k + "/default")), withAlone(pt, peerAlone.get(k + "/tcp")),
                    a == null ? "–" : f1(num(a, "rounds_per_s")) + " (" + a.get("transport") + ")",
                    f2(num(a, "rounds_per_s") / psr), f1(num(t, "rounds_per_s")), f2(num(t, "rounds_per_s") / ptr),
                    f1(num(py, "rounds_per_s")), f2(num(py, "rounds_per_s") / psr),
                    f3(ps == null ? Double.NaN : ps.path("cpu_ns_per_byte").asDouble(Double.NaN)),
                    f3(num(a, "cpu_ns_per_byte")), f3(num(py, "cpu_ns_per_byte")),
                    f3(pt == null ? Double.NaN : pt.path("cpu_ns_per_byte").asDouble(Double.NaN)),
                    f3(num(t, "cpu_ns_per_byte")), f3(num(t, "gbytes_per_s")), f2(num(t, "gbytes_per_s") / tcpOneStream),
                    f3(num(a, "p50_round_ms")), f3(num(a, "p99_round_ms")), f0(num(a, "server_pss_mib")),
                    f0(num(a, "server_rss_mib")), f0(num(a, "memory_bound_mib"))));
        }
        if (!scaling.isEmpty()) {
            b.append("\n| P | W (ours, auto) | rounds/s | server CPU ms/round | worker CPU ms/round | p50 ms | server PSS MiB |\n");
            b.append("| --- | --- | --- | --- | --- | --- | --- |\n");
            for (Map<String, Object> m : scaling) {
                b.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.3f | %.3f | %.3f | %.0f |%n", m.get("params"),
                        m.get("workers"), num(m, "rounds_per_s"), num(m, "server_cpu_ms_per_round"),
                        num(m, "worker_cpu_ms_per_round"), num(m, "p50_round_ms"), num(m, "server_pss_mib")));
            }
        }
        b.append('\n');
        b.append("| kernel (10M floats, momentum, 20 B/element) | 1 thread GB/s | 2 threads GB/s |\n| --- | --- | --- |\n");
        b.append(String.format(Locale.ROOT, "| C fused (limits.sh) | %.1f | %.1f |%n", cMomentum.getOrDefault(1, Double.NaN),
                cMomentum.getOrDefault(2, Double.NaN)));
        b.append(String.format(Locale.ROOT, "| momentum-ps apply | %.1f (%.0f%%) | %.1f (%.0f%%) |%n",
                javaMomentum.getOrDefault(1, Double.NaN), pct(javaMomentum.get(1), cMomentum.get(1)),
                javaMomentum.getOrDefault(2, Double.NaN), pct(javaMomentum.get(2), cMomentum.get(2))));
        b.append(String.format(Locale.ROOT, "%nLoopback TCP, one stream (iperf3): %.3f GB/s%n", tcpOneStream));
        return b.toString();
    }

    private static String withAlone(JsonNode inside, JsonNode alone) {
        return inside == null ? "–" : f1(rate(inside)) + " (" + f1(rate(alone)) + ")";
    }

    private static double rate(JsonNode j) {
        return j == null ? Double.NaN : j.path("rounds_per_s").asDouble(Double.NaN);
    }

    private static String f0(double x) {
        return Double.isNaN(x) ? "–" : String.format(Locale.ROOT, "%.0f", x);
    }

    private static String f1(double x) {
        return Double.isNaN(x) ? "–" : String.format(Locale.ROOT, "%.1f", x);
    }

    private static String f2(double x) {
        return Double.isNaN(x) ? "–" : String.format(Locale.ROOT, "%.2f", x);
    }

    private static String f3(double x) {
        return Double.isNaN(x) ? "–" : String.format(Locale.ROOT, "%.3f", x);
    }

    private static double pct(Double a, Double b) {
        return a == null || b == null ? Double.NaN : 100 * a / b;
    }

    private static double num(Map<String, Object> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
