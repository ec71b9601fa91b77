package dev.momentumps.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code mps bench transport} as a user runs it: a real server process and a real worker process, each
 * transport, and the JSON line it prints. Short (no warm-up, half a second timed): this checks that the
 * benchmark works and reports every field it promises, not how fast it is.
 */
class BenchTransportCommandTest {

    @ParameterizedTest
    @CsvSource({"auto, 300000, shared-memory", "auto, 6, socket", "tcp, 300000, grpc-stream"})
    void printsOneJsonLineWithTheRoundFigures(String transport, int params, String used, @TempDir Path dir)
            throws Exception {
        CliRunner.Result r = CliRunner.run("bench", "transport", "--params", Integer.toString(params),
                "--workers", "1", "--seconds", "0.5", "--warmup-seconds", "0", "--transport", transport,
                "--dir", dir.toString());
        assertEquals(0, r.exit(), r.err());
        String line = r.out().strip();
        assertEquals(1, line.lines().count(), "one JSON line, got:\n" + r.out());
        JsonNode j = new ObjectMapper().readTree(line);
        assertEquals(used, j.get("transport").asText());
        assertEquals(params, j.get("params").asInt());
        assertTrue(j.get("rounds").asLong() > 0, line);
        double rate = j.get("rounds_per_s").asDouble();
        assertEquals(j.get("rounds").asDouble() / j.get("seconds").asDouble(), rate, 1e-6 * rate + 0.05, line);
        assertEquals(rate * params * 4 * 2 / 1e9, j.get("gbytes_per_s").asDouble(), 1e-3, line);
        assertTrue(j.get("p50_round_ms").asDouble() > 0 && j.get("p99_round_ms").asDouble() >= j.get("p50_round_ms").asDouble(), line);
        assertTrue(j.get("server_rss_mib").asDouble() > 0, line);
        // CPU per byte: server + worker CPU over the bytes moved, both positive
        double cpu = (j.get("server_cpu_ms_per_round").asDouble() + j.get("worker_cpu_ms_per_round").asDouble()) / 1e3;
        assertEquals(cpu * 1e9 / (params * 8.0), j.get("cpu_ns_per_byte").asDouble(),
                0.01 * j.get("cpu_ns_per_byte").asDouble() + 1e-3, line);
        assertTrue(j.get("cpu_ns_per_byte").asDouble() > 0, line);
        assertTrue(j.has("load_1m_before") && j.get("idle_pct_before").asDouble() >= 0
                && j.get("idle_pct_before").asDouble() <= 100, line);
        assertFalse(j.get("standby").asBoolean(), line);
    }

    /** --standby: the server replicates to a standby process, which works for its CPU (a functional check). */
    @Test
    void withAStandbyEveryRoundIsReplicated(@TempDir Path dir) throws Exception {
        CliRunner.Result r = CliRunner.run("bench", "transport", "--params", "1000", "--workers", "1", "--seconds",
                "0.5", "--warmup-seconds", "0", "--standby", "--dir", dir.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out().strip());
        assertTrue(j.get("standby").asBoolean(), r.out());
        assertTrue(j.get("rounds").asLong() > 0, r.out());
        assertTrue(j.get("standby_cpu_ms_per_round").asDouble() > 0, r.out());
        assertTrue(j.get("standby_rss_mib").asDouble() > 0 && j.get("standby_peak_rss_mib").asDouble() > 0, r.out());
        String log = java.nio.file.Files.readString(dir.resolve("server.log"));
        assertTrue(log.contains("replicating to the hot standby"), log);
    }
}
