package dev.momentumps.study.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.momentumps.worker.data.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The --quick versions of the experiments on the methods built for asynchrony: what is deterministic in them. */
class AsyncMethodsExperimentsTest {

    @Test
    void leastSquaresOptimumIsTheMinimum() {
        LeastSquares p = new LeastSquares(500, 10, 3);
        float[] zero = new float[10];
        assertTrue(p.optimum < p.value(zero));
        assertTrue(p.optimum >= 0);
        // a worker's minibatch gradient at 0 points downhill: a small step lowers F
        float[] g = new float[10];
        p.worker(64, 1).next(zero, g);
        float[] step = new float[10];
        for (int i = 0; i < 10; i++) {
            step[i] = -0.1f * g[i];
        }
        assertTrue(p.value(step) < p.value(zero));
    }

    private static JsonNode summary(Path dir) throws Exception {
        return new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    }

    @Test
    void delayAdaptiveQuick(@TempDir Path dir) throws Exception {
        Table t = new DelayAdaptive().run(new RunDirectory(dir, 42, 2, true, null));
        JsonNode runs = summary(dir).get("runs");
        assertEquals(4, runs.size());
        assertEquals("minibatch SGD", runs.get(0).get("method").asText());
        assertEquals(0, runs.get(0).get("max_delay").asLong(), "synchronous rounds have no delay");
        // the asynchronous methods share the schedule: the same delays whatever their step sizes
        double delay = runs.get(1).get("mean_delay").asDouble();
        assertTrue(delay > 0);
        assertEquals(delay, runs.get(2).get("mean_delay").asDouble(), 0);
        assertEquals(delay, runs.get(3).get("mean_delay").asDouble(), 0);
        long total = 0;
        for (JsonNode c : summary(dir).get("delay_histogram")) {
            total += c.asLong();
        }
        assertEquals(2 * DelayAdaptive.QUICK_GRADIENTS, total, "every gradient of the two seeds' fixed-eta runs");
        for (String f : new String[] {"results.csv", "suboptimality.png", "delays.png", "report.md"}) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        assertTrue(t.text().contains("delay-adaptive"));
    }

    @Test
    void closedLoopQuickKeepsTheTargetWithOneWorker(@TempDir Path dir) throws Exception {
        new ClosedLoopMomentumStudy().run(new RunDirectory(dir, 42, 2, true, null));
        JsonNode one = summary(dir).get("runs").get(0);
        assertEquals(1, one.get("workers").asInt());
        // one worker: every gradient is fresh, the estimate is β itself, β stays at the target
        assertEquals(ClosedLoopMomentumStudy.TARGET, one.at("/chosen_beta/mean").asDouble(), 1e-6);
        assertEquals(0, one.get("mean_staleness").asDouble(), 0);
        JsonNode four = summary(dir).get("runs").get(1);
        assertTrue(four.get("mean_staleness").asDouble() > 1, "four workers are stale");
        assertTrue(Files.size(dir.resolve("beta.png")) > 0);
        String report = Files.readString(dir.resolve("report.md"));
        assertTrue(report.contains("0.900 (every τ = 0)") && report.contains("none: β never moves"),
                "M = 1 shows no interval, and why: " + report);
    }

    @Test
    void asyncMomentumMethodsQuick(@TempDir Path dir) throws Exception {
        new AsyncMomentumMethods().run(new RunDirectory(dir, 42, 2, true, SharedData.file("optdigits.tra")));
        JsonNode runs = summary(dir).get("runs");
        int methods = AsyncMomentumMethods.methods().size();
        assertEquals(11, methods);
        assertEquals(1 + methods * AsyncMomentumMethods.QUICK_WORKERS.length, runs.size());
        assertEquals("single worker (heavy ball)", runs.get(0).get("method").asText());
        assertEquals(0, runs.get(0).get("mean_gap").asDouble(), 0, "one worker computes on the weights it updates");
        // the single worker's interval is over the seeds (its minibatches differ): not zero-width
        assertTrue(runs.get(0).at("/test_accuracy/se").asDouble() > 0, runs.get(0).toString());
        java.util.Set<String> names = new java.util.HashSet<>();
        for (JsonNode r : runs) {
            names.add(r.get("method").asText());
            assertEquals(2, r.at("/test_accuracy/n").asInt(), r.toString());
            if (r.get("workers").asInt() > 1) {
                assertTrue(r.get("mean_gap").asDouble() > 0, r.toString());
            }
        }
        assertTrue(names.contains("DANA-Slim") && names.stream().anyMatch(n -> n.startsWith("EASGD"))
                && names.stream().anyMatch(n -> n.startsWith("SlowMo")), names.toString());
        String report = Files.readString(dir.resolve("report.md"));
        assertTrue(report.contains("NAG-ASGD fails at high M") && report.contains("M = 16: highest mean accuracy"),
                report);
    }

    @Test
    void asyncMomentumMethodsCnnQuick(@TempDir Path dir) throws Exception {
        SharedData.file(dev.momentumps.worker.data.IdxLoader.MNIST10K_IMAGES);
        AsyncMomentumMethods cnn = AsyncMomentumMethods.cnn();
        assertEquals("async-momentum-methods-cnn", cnn.name());
        cnn.run(new RunDirectory(dir, 42, 2, true, null));
        JsonNode s = summary(dir);
        assertTrue(s.get("task").asText().contains("cnn") || s.get("task").asText().contains("CNN"), s.toString());
        assertEquals(1 + AsyncMomentumMethods.methods().size() * AsyncMomentumMethods.CNN_QUICK.workers().length,
                s.get("runs").size());
    }
}
