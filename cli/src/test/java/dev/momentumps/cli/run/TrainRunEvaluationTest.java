package dev.momentumps.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.cli.options.ServerOptions;
import dev.momentumps.cli.options.TaskOptions;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.study.report.Evaluation;
import dev.momentumps.study.report.MetricsCsv;
import dev.momentumps.worker.task.GradientTask;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.TaskSpec;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** When mps train evaluates: update 0 first, and a slow first evaluation does not thin out the rest. */
class TrainRunEvaluationTest {

    /** A Java task's evaluator whose first call takes {@code firstMillis} (a Python evaluator starting up). */
    private static final class SlowStart implements Evaluator {
        private final Evaluator inner;
        private final long firstMillis;
        private boolean started;

        SlowStart(Evaluator inner, long firstMillis) {
            this.inner = inner;
            this.firstMillis = firstMillis;
        }

        @Override
        public String description() {
            return inner.description();
        }

        @Override
        public Evaluation evaluate(long version, double seconds, float[] w) throws Exception {
            if (!started) {
                started = true;
                Thread.sleep(firstMillis);
            }
            return inner.evaluate(version, seconds, w);
        }
    }

    @Test
    void theStartingWeightsAreUpdateZeroAndASlowFirstEvaluationDelaysNoOther(@TempDir Path dir) throws Exception {
        TaskOptions task = CommandLine.populateCommand(new TaskOptions(), "--samples", "2000", "--updates", "800");
        TaskWorkers run = TaskWorkers.of(task, 2);
        Task t = run.task();
        TaskSpec spec = run.spec();
        List<GradientTask> sources = run.sources();
        long total = run.total();
        ParameterServerCore core = CommandLine.populateCommand(new ServerOptions(), "--optimizer", "sgd", "--lr", "0.05")
                .createCore();
        Path updates = dir.resolve("updates.csv");
        long start = System.nanoTime();
        MetricsCsv csv = new MetricsCsv(updates, start);
        core.addListener(csv);
        // 400 steps a worker, 10 ms each: about 4 s of training, the first evaluation takes 1.5 s of it
        try (ThreadCluster cluster = new ThreadCluster(core, sources, run.steps(), 10, 60_000)) {
            new TrainRun(t, new SlowStart(Evaluator.of(t), 1_500), dir, total, spec.batchSize(), Map.of())
                    .evaluation(20, false).follow(cluster, updates, csv, start, new PrintStream(OutputStream.nullOutputStream()),
                            false);
        }
        List<String[]> evaluated = new ArrayList<>();
        List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"));
        int train = List.of(lines.get(0).split(",")).indexOf("train_loss");
        for (String line : lines.subList(1, (int) total + 2)) {
            String[] f = line.split(",", -1);
            if (!f[train].isEmpty()) {
                evaluated.add(f);
            }
        }
        assertEquals("0", evaluated.get(0)[0], "the first evaluation is update 0");
        assertEquals("", evaluated.get(0)[2], "update 0 is a line of its own, no worker's");
        float[] w0 = new float[t.model().layout().numElements()];
        sources.get(0).initialWeights(w0);
        assertEquals(Evaluation.of(t, 0, 0, w0).trainLoss(), Double.parseDouble(evaluated.get(0)[train]), 1e-12,
                "update 0 is the loss at the weights the server started from");
        // before, the loop waited 1.5 s for the first evaluation and then 10x that for the next: two in all
        assertTrue(evaluated.size() >= 8, "evaluations after a slow first one: " + evaluated.stream()
                .map(f -> f[0] + "@" + f[1] + "s").toList());
        long previous = -1;
        for (String[] f : evaluated) {
            assertTrue(Long.parseLong(f[0]) > previous, "in update order");
            previous = Long.parseLong(f[0]);
        }
        assertEquals(total, previous, "the last evaluation is at the last update");
    }
}
