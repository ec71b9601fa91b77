package dev.momentumps.cli.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.momentumps.cli.options.ServerOptions;
import dev.momentumps.cli.options.TaskOptions;
import dev.momentumps.study.report.MetricsCsv;
import dev.momentumps.cli.run.ThreadCluster;
import dev.momentumps.cli.run.TrainRun;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.worker.task.GradientTask;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.TaskSpec;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** /metrics is Prometheus text, and at the end of a run its counters are what summary.json says. */
class ServerMetricsTest {
    // a sample line: name{labels} value [timestamp]
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*\\})? "
                    + "([-+]?(?:[0-9.]+(?:[eE][-+]?[0-9]+)?|NaN|Inf))( -?[0-9]+)?");
    private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*");

    /** Parses the exposition text strictly: every line a comment or a sample; samples by name and labels. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                assertTrue(COMMENT.matcher(line).matches(), "not a HELP or TYPE line: " + line);
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not a Prometheus sample: " + line);
            samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(
                    m.group(3).replace("Inf", "Infinity")));
        }
        return samples;
    }

    @Test
    void countersAgreeWithTheRunSummary(@TempDir Path dir) throws Exception {
        TaskOptions task = CommandLine.populateCommand(new TaskOptions(), "--samples", "2000", "--updates", "300");
        ServerOptions server = CommandLine.populateCommand(new ServerOptions(), "--mode", "backup",
                "--backup-workers", "1", "--optimizer", "sgd", "--lr", "0.05");
        int workers = 3;
        dev.momentumps.cli.run.TaskWorkers run = dev.momentumps.cli.run.TaskWorkers.of(task, workers);
        Task t = run.task();
        TaskSpec spec = run.spec();
        List<GradientTask> sources = run.sources();
        List<Long> steps = run.steps();
        long total = run.total();
        ParameterServerCore core = server.createCore();
        ServerMetrics metrics = new ServerMetrics(core, () -> null);
        Path updates = dir.resolve("updates.csv");
        long start = System.nanoTime();
        MetricsCsv csv = new MetricsCsv(updates, start);
        core.addListener(csv);
        parse(metrics.scrape()); // before anything happened, too
        ThreadCluster cluster = new ThreadCluster(core, sources, steps, 0, 60_000);
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try (cluster) {
            new TrainRun(t, dir, total, spec.batchSize(), Map.of()).evaluation(20, false)
                    .follow(cluster, updates, csv, start, quiet, false);
        }
        Map<String, Double> m = parse(metrics.scrape());
        JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        long applied = s.get("gradients_applied").asLong();
        long dropped = s.get("gradients_dropped").asLong();
        assertEquals(applied, m.get("mps_gradients_applied_total").longValue());
        assertEquals(dropped, m.get("mps_gradients_dropped_total").longValue());
        assertEquals(dropped, m.getOrDefault("mps_gradients_dropped_by_reason_total{reason=\"backup_round\"}", 0.0)
                .longValue());
        assertEquals(s.get("updates").asLong(), m.get("mps_updates_applied_total").longValue());
        assertEquals(applied, m.get("mps_staleness_count").longValue(), "one staleness per applied gradient");
        long[] h = new ObjectMapper().convertValue(s.at("/staleness/histogram"), long[].class);
        long atMostZero = h.length == 0 ? 0 : h[0];
        assertEquals(atMostZero, m.get("mps_staleness_bucket{le=\"0.0\"}").longValue());
        assertEquals(0, m.get("mps_workers{state=\"alive\"}").longValue(), "every worker deregistered at its end");
        assertEquals(workers, m.get("mps_workers{state=\"gone\"}").longValue());
        assertTrue(m.keySet().stream().anyMatch(k -> k.startsWith("jvm_memory_used_bytes")), "JVM metrics");
    }

    @Test
    void aSkippedNonFiniteGradientIsCountedAsDroppedWithItsReason() {
        ServerOptions server = CommandLine.populateCommand(new ServerOptions(), "--non-finite", "skip");
        ParameterServerCore core = server.createCore();
        ServerMetrics metrics = new ServerMetrics(core, () -> null);
        int w = core.register(0, "w");
        core.initialize(w, dev.momentumps.wire.TensorLayout.builder().add("w", 2).build(), new float[2]);
        core.push(w, 0, 1, new float[] {Float.NaN, 1}, 0.5, 1);
        core.push(w, 0, 2, new float[] {1, 1}, 0.5, 1);
        Map<String, Double> m = parse(metrics.scrape());
        assertEquals(1, m.get("mps_gradients_dropped_by_reason_total{reason=\"non_finite\"}").longValue());
        assertEquals(1, m.get("mps_gradients_dropped_total").longValue());
        assertEquals(1, m.get("mps_gradients_applied_total").longValue());
        assertEquals(1, m.get("mps_workers{state=\"alive\"}").longValue());
        core.close();
    }

    @Test
    void theGrafanaDashboardAsksOnlyForMetricsTheServerExports(@TempDir Path dir) throws Exception {
        ParameterServerCore core = CommandLine.populateCommand(new ServerOptions()).createCore();
        dev.momentumps.server.checkpoint.Checkpointer checkpointer = new dev.momentumps.server.checkpoint.Checkpointer(
                core, new dev.momentumps.server.checkpoint.CheckpointStore(dir, 1), 0, 0, m -> { });
        ServerMetrics metrics = new ServerMetrics(core, () -> checkpointer);
        int w = core.register(0, "w");
        core.initialize(w, dev.momentumps.wire.TensorLayout.builder().add("w", 2).build(), new float[2]);
        core.push(w, 0, 1, new float[] {1, 1}, 0.5, 1);
        checkpointer.checkpointNow();
        String text = metrics.scrape();
        Map<String, Double> m = parse(text);
        assertTrue(m.get("mps_checkpoint_age_seconds") >= 0, text);
        assertTrue(m.get("mps_checkpoint_duration_seconds") > 0, text);
        Path json = Path.of(System.getProperty("mps.project.dir", ".."), "src", "deploy", "grafana",
                "momentum-ps-dashboard.json");
        JsonNode d = new ObjectMapper().readTree(json.toFile());
        Matcher names = Pattern.compile("\\b(mps_[a-z_]+|jvm_[a-z_]+)").matcher(d.toString());
        int n = 0;
        while (names.find()) {
            String name = names.group(1).replaceAll("_(bucket|sum|count)$", "");
            assertTrue(text.contains("# TYPE " + name + " ") || text.contains("# TYPE " + name.replaceAll("_total$", "")
                    + " "), "the Grafana dashboard uses " + names.group(1) + ", which /metrics does not export");
            n++;
        }
        assertTrue(n >= 10, "the dashboard's queries: " + n);
        core.close();
    }
}
