package dev.momentumps.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.study.experiment.Experiments;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code mps experiment}: the list, a whole run directory, and refusals. */
class ExperimentCommandTest {

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void listsEveryExperiment() {
        StringWriter out = new StringWriter();
        assertEquals(0, run(out, new StringWriter(), "experiment", "--list"));
        for (String name : Experiments.names()) {
            assertTrue(out.toString().contains(name), name);
        }
    }

    @Test
    void d2lQuadraticWritesItsRunDirectory(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter();
        assertEquals(0, run(out, new StringWriter(), "experiment", "d2l-quadratic", "--out", dir.toString()));
        assertTrue(out.toString().contains("-0.943467"), out.toString());
        JsonNode summary = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertEquals("d2l-quadratic", summary.get("experiment").asText());
        JsonNode runs = summary.get("runs");
        assertEquals(4, runs.size());
        assertEquals("momentum", runs.get(2).get("rule").asText());
        assertEquals(0.6, runs.get(2).get("lr").asDouble());
        assertEquals(0.5, runs.get(2).get("beta").asDouble());
        assertEquals(0.007188, runs.get(2).get("x1").asDouble(), 1e-6);
        for (String f : new String[] {"report.md", "trajectories.csv", "results.csv",
                "trajectory-momentum-lr0.6-beta0.5.png"}) {
            assertTrue(Files.size(dir.resolve(f)) > 100, f);
        }
        assertTrue(Files.readString(dir.resolve("report.md")).contains("| momentum | 0.6 | 0.5 | 0.007188"));
    }

    @Test
    void stabilityMapSummaryHasEveryEdge(@TempDir Path dir) throws Exception {
        assertEquals(0, run(new StringWriter(), new StringWriter(), "experiment", "stability-map", "--out",
                dir.toString()));
        JsonNode edges = new ObjectMapper().readTree(dir.resolve("summary.json").toFile()).get("edges");
        assertEquals(25, edges.size());
        for (JsonNode e : edges) {
            assertEquals(e.get("predicted").asDouble(), e.get("measured").asDouble(), 1e-3, e.toString());
        }
        assertTrue(Files.size(dir.resolve("stability-map.png")) > 1000);
    }

    @Test
    void unknownExperimentIsRefusedWithTheValidNames() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(new StringWriter(), err, "experiment", "nope"));
        assertTrue(err.toString().contains("unknown experiment 'nope'"), err.toString());
        assertTrue(err.toString().contains("d2l-quadratic"), err.toString());
    }
}
