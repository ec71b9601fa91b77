package dev.momentumps.study.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.momentumps.study.report.RunSummary;
import dev.momentumps.worker.data.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every registered experiment has a --quick test: the ones without a test of their own run here, twice on
 * the same seed, and must write the same table and report both times.
 */
class EveryExperimentQuickTest {
    /** Experiments whose --quick version has its own test, and where. */
    static final Map<String, String> OWN_TEST = Map.ofEntries(
            Map.entry("momentum-vs-workers-mlp", "NetworkMomentumVsWorkersTest"),
            Map.entry("momentum-vs-workers-cnn", "NetworkMomentumVsWorkersTest"),
            Map.entry("staleness-lr-mlp", "NetworkClaimsTest"), Map.entry("staleness-lr-cnn", "NetworkClaimsTest"),
            Map.entry("dc-asgd-mlp", "NetworkClaimsTest"), Map.entry("dc-asgd-cnn", "NetworkClaimsTest"),
            Map.entry("adam-vs-momentum-mlp", "NetworkClaimsTest"),
            Map.entry("adam-vs-momentum-cnn", "NetworkClaimsTest"),
            Map.entry("delay-adaptive", "AsyncMethodsExperimentsTest"),
            Map.entry("async-momentum-methods", "AsyncMethodsExperimentsTest"),
            Map.entry("async-momentum-methods-cnn", "AsyncMethodsExperimentsTest"),
            Map.entry("closed-loop-momentum", "AsyncMethodsExperimentsTest"));

    static Stream<String> withoutOwnTest() {
        return Experiments.names().stream().filter(n -> !OWN_TEST.containsKey(n));
    }

    @Test
    void everyNameWithItsOwnTestIsRegistered() {
        for (String n : OWN_TEST.keySet()) {
            assertTrue(Experiments.byName(n).isPresent(), n);
        }
    }

    @ParameterizedTest
    @MethodSource("withoutOwnTest")
    void quickRunIsCompleteAndRepeatable(String name, @TempDir Path dir) throws Exception {
        Experiment e = Experiments.byName(name).orElseThrow();
        Path data = name.equals("airfoil") ? SharedData.file("airfoil_self_noise.dat") : null;
        Table first = e.run(new RunDirectory(dir.resolve("a"), 42, 0, true, data));
        Table second = e.run(new RunDirectory(dir.resolve("b"), 42, 0, true, data));
        assertTrue(first.rows().size() > 0, name + " printed an empty table");
        assertEquals(first.markdown(), second.markdown(), name + ": the same seed, another table");
        String report = Files.readString(dir.resolve("a/report.md"));
        assertEquals(report, Files.readString(dir.resolve("b/report.md")), name + ": the same seed, another report");
        assertTrue(report.contains(first.markdown().strip()), name + ": report.md holds the printed table");
        JsonNode summary = RunSummary.mapper().readTree(dir.resolve("a/summary.json").toFile());
        assertEquals(name, summary.get("experiment").asText());
        assertTrue(summary.get("quick").asBoolean());
        try (Stream<Path> files = Files.list(dir.resolve("a"))) {
            assertTrue(files.anyMatch(p -> p.toString().endsWith(".png")), name + " drew no plot");
        }
    }
}
