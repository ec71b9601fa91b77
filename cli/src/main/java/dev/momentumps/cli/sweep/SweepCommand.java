package dev.momentumps.cli.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import dev.momentumps.study.experiment.Table;
import dev.momentumps.study.report.Plots;
import dev.momentumps.study.report.RunSummary;
import dev.momentumps.cli.run.MpsProcesses;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code mps sweep}: a grid over any {@code train} flags. Each combination runs as {@code mps train} in a
 * child JVM ({@code --in-process} unless {@code --simulate} is given), several at once; then one table of
 * every run's final loss, and a heat map (or, for one swept flag, a line plot) per pair of swept flags.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run `mps train` over a grid: every train flag given comma-separated values is swept, "
                + "the rest are passed to every run.",
                "Example: mps sweep --out runs/grid --lr 0.01,0.1,1 --momentum 0,0.5,0.9 --workers 4 --simulate"})
public final class SweepCommand implements Callable<Integer> {

    @Option(names = "--out", paramLabel = "DIR", description = "Sweep directory (created); default "
            + "runs/sweep-<date>-<time>. Run K writes DIR/run-K.")
    Path out;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "0",
            description = "Runs at once; 0: the number of cores. Default: ${DEFAULT-VALUE}.")
    int parallel;

    @Option(names = "--run-timeout-s", paramLabel = "S", defaultValue = "900",
            description = "A run still going after this long is killed and reported failed. Default: ${DEFAULT-VALUE}.")
    long timeoutSeconds;

    @Unmatched
    List<String> trainArgs = new ArrayList<>();

    @Spec
    CommandSpec spec;

    /** One finished run. */
    public record Result(int run, Map<String, String> values, boolean ok, double finalLoss, Double testAccuracy,
                         Double meanStaleness, double wallSeconds, String log) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        if (parallel < 0) {
            throw new IllegalArgumentException("--parallel must be >= 0, got " + parallel);
        }
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("--run-timeout-s must be >= 1, got " + timeoutSeconds);
        }
        SweepGrid grid = SweepGrid.parse(trainArgs);
        List<SweepGrid.Point> points = grid.points();
        Path dir = Files.createDirectories(out != null ? out : Path.of("runs", "sweep-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
        int threads = Math.max(1, Math.min(points.size(),
                parallel == 0 ? Runtime.getRuntime().availableProcessors() : parallel));
        pw.printf("sweep: %d runs of `mps train%s`, %d at a time, into %s%n", points.size(), describe(grid),
                threads, dir);
        pw.flush();
        List<Result> results = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Result>> futures = new ArrayList<>();
            for (int k = 0; k < points.size(); k++) {
                int run = k;
                futures.add(pool.submit(() -> runOne(dir, run, points.get(run))));
            }
            for (Future<Result> f : futures) {
                Result r = f.get(timeoutSeconds + 60, TimeUnit.SECONDS);
                results.add(r);
                pw.printf("  run-%d %s: %s%n", r.run(), r.values(), r.ok() ? "final loss " + Table.num(r.finalLoss())
                        : "FAILED (see " + r.log() + ")");
                pw.flush();
            }
        } finally {
            pool.shutdownNow();
        }
        Table table = table(grid, results);
        table.writeCsv(dir.resolve("results.csv"));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("train_args", grid.fixed());
        summary.put("swept", grid.swept());
        summary.put("runs", results);
        RunSummary.mapper().writeValue(dir.resolve("summary.json").toFile(), summary);
        List<String> plots = SweepPlots.write(dir, grid, results);
        pw.print(table.text());
        Table replicates = SweepPlots.replicates(grid, results);
        if (replicates != null) {
            replicates.writeCsv(dir.resolve("replicates.csv"));
            pw.println("over the seeds (--seed values are replicates):");
            pw.print(replicates.text());
        }
        pw.printf("wrote %s (results.csv, summary.json%s)%n", dir, plots.isEmpty() ? "" : ", " + String.join(", ", plots));
        pw.flush();
        return results.stream().allMatch(Result::ok) ? 0 : 1;
    }

    private static String describe(SweepGrid grid) {
        StringBuilder b = new StringBuilder();
        for (String a : grid.fixed()) {
            b.append(' ').append(a);
        }
        grid.swept().forEach((flag, values) -> b.append(' ').append(flag).append(' ').append(String.join(",", values)));
        return b.toString();
    }

    private Result runOne(Path dir, int run, SweepGrid.Point point) throws IOException, InterruptedException {
        Path runDir = dir.resolve("run-" + run);
        Path log = dir.resolve("run-" + run + ".log");
        List<String> args = new ArrayList<>(List.of("train"));
        args.addAll(point.args());
        if (!args.contains("--simulate") && !args.contains("--in-process")) {
            args.add("--in-process");
        }
        args.addAll(List.of("--no-progress", "--out", runDir.toString()));
        long start = System.nanoTime();
        Process p = MpsProcesses.start(args, log);
        boolean exited = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        double wall = (System.nanoTime() - start) / 1e9;
        Path summary = runDir.resolve("summary.json");
        if (!exited || p.exitValue() != 0 || !Files.exists(summary)) {
            return new Result(run, point.values(), false, Double.NaN, null, null, wall, log.toString());
        }
        JsonNode s = RunSummary.mapper().readTree(summary.toFile());
        return new Result(run, point.values(), true, s.path("final_loss").asDouble(Double.NaN),
                s.has("test_accuracy") ? s.get("test_accuracy").asDouble() : null,
                s.path("staleness").has("mean") ? s.path("staleness").get("mean").asDouble() : null, wall,
                log.toString());
    }

    static Table table(SweepGrid grid, List<Result> results) {
        List<String> cols = new ArrayList<>(List.of("run"));
        cols.addAll(grid.swept().keySet());
        cols.addAll(List.of("final loss", "test acc", "mean staleness", "wall s"));
        Table t = new Table(cols.toArray(String[]::new));
        for (Result r : results) {
            List<Object> row = new ArrayList<>(List.of(r.run()));
            row.addAll(r.values().values());
            row.add(r.ok() ? Table.num(r.finalLoss()) : "failed");
            row.add(r.testAccuracy() == null ? "" : Table.num(r.testAccuracy()));
            row.add(r.meanStaleness() == null ? "" : Table.num(r.meanStaleness()));
            row.add(Table.fixed(r.wallSeconds(), 1));
            t.row(row.toArray());
        }
        return t;
    }
}
