package dev.momentumps.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompareTableTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode peer(double rate, double nsPerByte) throws Exception {
        return JSON.readTree("{\"rounds_per_s\": " + rate + ", \"cpu_ns_per_byte\": " + nsPerByte + "}");
    }

    private static Map<String, Object> ours(double rate, String path, double nsPerByte) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rounds_per_s", rate);
        m.put("transport", path);
        m.put("cpu_ns_per_byte", nsPerByte);
        m.put("gbytes_per_s", 2.0);
        return m;
    }

    @Test
    void aPeerMoreThanTwentyPercentSlowerInsideThanAloneMakesTheComparisonUnfair() throws Exception {
        CompareTable t = new CompareTable();
        t.peerAlone(1000000, 2, "default", peer(400, 1));
        t.peerAlone(1000000, 2, "tcp", peer(350, 1));
        t.peer(1000000, 2, "default", peer(102, 1)); // 25.5% of alone
        t.peer(1000000, 2, "tcp", peer(290, 1)); // 82.9%: within 20%
        List<String> unfair = t.unfairPeers(CompareBench.PEER_FLOOR);
        assertEquals(1, unfair.size(), unfair.toString());
        assertTrue(unfair.get(0).contains("--transport default") && unfair.get(0).contains("102.0")
                && unfair.get(0).contains("400.0"), unfair.get(0));
    }

    @Test
    void aPeerWithoutItsRunAloneIsNotCountedFair() throws Exception {
        CompareTable t = new CompareTable();
        t.peer(6, 1, "tcp", peer(1000, 1));
        assertEquals(1, t.unfairPeers(0.8).size());
    }

    @Test
    void theRowShowsRatiosAgainstThePeerOfTheSameTransportAndCpuPerByte() throws Exception {
        CompareTable t = new CompareTable();
        t.peerAlone(1000000, 2, "default", peer(400, 0.5));
        t.peerAlone(1000000, 2, "tcp", peer(300, 0.8));
        t.peer(1000000, 2, "default", peer(380, 0.5));
        t.peer(1000000, 2, "tcp", peer(300, 0.8));
        t.ours(1000000, 2, "auto", ours(760, "shared-memory", 0.25));
        t.ours(1000000, 2, "tcp", ours(600, "grpc-stream", 0.9));
        t.ours(1000000, 2, "python", ours(950, "shared-memory", 0.3));
        assertTrue(t.unfairPeers(0.8).isEmpty());
        String row = t.markdown().lines().filter(l -> l.startsWith("| 1000000 |")).findFirst().orElseThrow();
        // 760 / 380 = 2.00 against the peer's shared memory, 600 / 300 = 2.00 over TCP, 950 / 380 = 2.50
        assertTrue(row.contains("| 380.0 (400.0) | 300.0 (300.0) | 760.0 (shared-memory) | 2.00 | 600.0 | 2.00 | 950.0 | 2.50 |"), row);
        assertTrue(row.contains("| 0.500, 0.250, 0.300 | 0.800, 0.900 |"), row);
    }
}
