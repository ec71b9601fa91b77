package dev.momentumps.study.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        // every run is on the same seeds, and the NAG–DANA differences are paired seed by seed
        assertEquals("[42,43]", summary(dir).get("seeds").toString());
        JsonNode paired = summary(dir).get("paired");
        assertEquals(AsyncMomentumMethods.NAG_VS_DANA.length * AsyncMomentumMethods.QUICK_WORKERS.length, paired.size());
        for (JsonNode p : paired) {
            double[] a = seedAccuracy(runs, p.get("a").asText(), p.get("workers").asInt());
            double[] b = seedAccuracy(runs, p.get("b").asText(), p.get("workers").asInt());
            assertEquals(((a[0] - b[0]) + (a[1] - b[1])) / 2, p.at("/difference/mean").asDouble(), 1e-12, p.toString());
            assertEquals(Math.abs((a[0] - b[0]) - (a[1] - b[1])) / 2, p.at("/difference/se").asDouble(), 1e-12);
        }
        assertTrue(report.contains("NAG against DANA, seed by seed") && report.contains("DANA-Zero"), report);
        // the second parameters: EASGD's alpha and SlowMo's slow momentum, under --quick their grid's middle value
        for (JsonNode r : runs) {
            String m = r.get("method").asText();
            String knob = m.startsWith("EASGD") ? "alpha" : m.startsWith("SlowMo") ? "beta" : "";
            assertEquals(knob, r.get("knob").asText(), m);
            assertEquals(1, r.get("knob_grid").size(), r.toString());
            if (!knob.isEmpty()) {
                assertEquals(knob.equals("alpha") ? 0.3 : 0.5, r.get("knob_value").asDouble(), 0, r.toString());
            }
            assertEquals(0, r.get("lr_widened").asInt() + r.get("knob_widened").asInt(), r.toString());
        }
    }

    private static double[] seedAccuracy(JsonNode runs, String method, int workers) {
        for (JsonNode r : runs) {
            if (r.get("method").asText().equals(method) && r.get("workers").asInt() == workers) {
                return new double[] {r.get("seed_accuracy").get(0).asDouble(), r.get("seed_accuracy").get(1).asDouble()};
            }
        }
        throw new AssertionError(method + " at " + workers);
    }

    private static AsyncMomentumMethods.Method method(String prefix) {
        return AsyncMomentumMethods.methods().stream().filter(m -> m.name().startsWith(prefix)).findFirst().orElseThrow();
    }

    @Test
    void gridsWidenUntilNoWinnerIsOnAnEdgeOrAtABound() {
        // a synthetic loss, lowest at eta = 0.5 and falling as alpha grows: eta's grid must grow twice upward,
        // alpha's once, to 0.99 (EASGD's bound, not an edge); every run of every cell on seeds 0 and 1
        java.util.Set<String> ran = java.util.concurrent.ConcurrentHashMap.newKeySet();
        GridTuner.Evaluator<AsyncMomentumMethods.Arm> eval = (a, lr, knob, s) -> {
            assertTrue(ran.add(a.method().name() + a.workers() + "/" + lr + "/" + knob + "/" + s), "each run once");
            double l = Math.log10(lr / 0.5);
            double alpha = Double.isNaN(knob) ? 1 : knob;
            return new double[] {0.5, l * l + (1 - alpha) + 0.001 * s, s};
        };
        GridTuner.Grid<AsyncMomentumMethods.Arm> asgd = AsyncMomentumMethods.tuning(method("ASGD"), 4,
                new double[] {0.01, 0.03, 0.1}, false);
        GridTuner.Grid<AsyncMomentumMethods.Arm> easgd = AsyncMomentumMethods.tuning(method("EASGD"), 4,
                new double[] {0.1, 0.3, 1}, false);
        GridTuner.Grid<AsyncMomentumMethods.Arm> capped = AsyncMomentumMethods.tuning(method("heavy ball"), 4,
                new double[] {0.0001, 0.0003, 0.001}, false);
        GridTuner.tune(java.util.List.of(asgd, easgd, capped), 2, eval, GridTuner.Widening.PER_KNOB, 2);
        AsyncMomentumMethods.Run a = AsyncMomentumMethods.result(asgd, "ASGD", 2);
        assertArrayEquals(new double[] {0.01, 0.03, 0.1, 0.3, 1}, a.lrGrid());
        assertEquals(0.3, a.lr());
        assertEquals(2, a.lrWidened());
        assertFalse(a.lrOnGridEdge());
        assertEquals("", a.knob());
        AsyncMomentumMethods.Run e = AsyncMomentumMethods.result(easgd, "EASGD", 2);
        assertArrayEquals(new double[] {0.1, 0.3, 0.9, 0.99}, e.knobGrid());
        assertEquals(0.99, e.knobValue());
        assertTrue(e.knobAtLimit());
        assertFalse(e.knobOnGridEdge());
        assertEquals(1, e.knobWidened());
        assertEquals(0.3, e.lr(), "the added alpha's eta grid is around its neighbour's best eta");
        assertArrayEquals(new double[] {0.1, 0.3, 0.9}, e.lrGrid());
        // at most twice: a winner still on the edge says so
        AsyncMomentumMethods.Run c = AsyncMomentumMethods.result(capped, "heavy ball", 2);
        assertArrayEquals(new double[] {0.0001, 0.0003, 0.001, 0.003, 0.01}, c.lrGrid());
        assertTrue(c.lrOnGridEdge());
        // the seeds are paired: the gap column carries the seed index of every run
        assertArrayEquals(new double[] {0.5, 0.5}, a.seedAccuracy());
        assertEquals(0.5, a.meanGap(), 1e-12);
        // ASGD 3 + 2 etas, EASGD 3 alphas x 3 etas + alpha 0.99 x 3, heavy ball 3 + 2: each on both seeds
        assertEquals(12, easgdRuns(easgd));
        assertEquals(2 * (5 + 12 + 5), ran.size());
    }

    private static int easgdRuns(GridTuner.Grid<AsyncMomentumMethods.Arm> t) {
        int n = 0;
        for (GridTuner.Row c : t.rows) {
            n += c.lrs.length;
        }
        return n;
    }

    @Test
    void aGridWidensByItsOwnStepAndAKnobStopsAtItsBounds() {
        assertEquals(0.9, GridTuner.beyond(new double[] {0.1, 0.3}, true, true), 1e-12);
        assertEquals(0.01, GridTuner.beyond(new double[] {0.03, 0.09}, false, true), 1e-12);
        assertEquals(0.3, GridTuner.beyond(new double[] {0.1}, true, true), 1e-12);
        // a half-decade grid keeps its pattern both ways
        assertEquals(0.3, GridTuner.beyond(new double[] {0.01, 0.03, 0.1}, true, true), 1e-12);
        assertEquals(1, GridTuner.beyond(new double[] {0.01, 0.03, 0.1, 0.3}, true, true), 1e-12);
        assertEquals(0.003, GridTuner.beyond(new double[] {0.01, 0.03, 0.1}, false, true), 1e-12);
        assertEquals(2.7, GridTuner.beyond(new double[] {0.1, 0.3, 0.9}, true, true), 1e-12);
        assertEquals(1.1, GridTuner.beyond(new double[] {0.5, 0.8}, true, false), 1e-12);
        AsyncMomentumMethods.Knob slow = AsyncMomentumMethods.SLOW_MOMENTUM;
        assertEquals(0.99, slow.next(new double[] {0.2, 0.5, 0.8}, true), 1e-12);
        assertTrue(Double.isNaN(slow.next(new double[] {0.8, 0.99}, true)), "nothing past the bound");
        assertEquals(0, slow.next(new double[] {0.2, 0.5}, false), 1e-12);
        assertTrue(Double.isNaN(slow.next(new double[] {0, 0.2}, false)));
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
