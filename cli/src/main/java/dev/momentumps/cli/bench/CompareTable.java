package dev.momentumps.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The comparison table of {@code mps bench compare}: rows of ours vs the peer, plus the machine's limits. */
final class CompareTable {
    private double tcpOneStream = Double.NaN;
    private final Map<Integer, Double> cMomentum = new LinkedHashMap<>();
    private final Map<Integer, Double> javaMomentum = new LinkedHashMap<>();
    private final Map<String, Double> peer = new LinkedHashMap<>();
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

    void peer(int p, int w, JsonNode j) {
        String k = p + "/" + w;
        if (!keys.contains(k)) {
            keys.add(k);
        }
        peer.put(k, j.path("rounds_per_s").asDouble());
    }

    void ours(int p, int w, String transport, Map<String, Object> m) {
        ours.put(p + "/" + w + "/" + transport, m);
    }

    void scaling(Map<String, Object> m) {
        scaling.add(m);
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("| P | W | peer rounds/s | ours auto rounds/s (path) | × peer | ours TCP rounds/s | × peer "
                + "| ours TCP GB/s | × iperf3 1 stream | p50 / p99 ms (auto) | server PSS / RSS MiB (bound) |\n");
        b.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (String k : keys) {
            String[] pw = k.split("/");
            double pr = peer.get(k);
            Map<String, Object> a = ours.get(k + "/auto");
            Map<String, Object> t = ours.get(k + "/tcp");
            double ar = num(a, "rounds_per_s");
            double tr = num(t, "rounds_per_s");
            double tg = num(t, "gbytes_per_s");
            b.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f (%s) | %.2f | %.1f | %.2f | %.3f | %.2f | %.3f / %.3f | %.0f / %.0f (%.0f) |%n",
                    pw[0], pw[1], pr, ar, a.get("transport"), ar / pr, tr, tr / pr, tg, tg / tcpOneStream,
                    num(a, "p50_round_ms"), num(a, "p99_round_ms"), num(a, "server_pss_mib"),
                    num(a, "server_rss_mib"), num(a, "memory_bound_mib")));
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

    private static double pct(Double a, Double b) {
        return a == null || b == null ? Double.NaN : 100 * a / b;
    }

    private static double num(Map<String, Object> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
