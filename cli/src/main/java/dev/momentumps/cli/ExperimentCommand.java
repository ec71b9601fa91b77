package dev.momentumps.cli;

import dev.momentumps.study.experiment.Experiment;
import dev.momentumps.study.experiment.Experiments;
import dev.momentumps.study.experiment.Replicates;
import dev.momentumps.study.experiment.RunDirectory;
import dev.momentumps.study.experiment.Table;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mps experiment NAME}: one experiment of the study, into a run directory, its table printed. */
@Command(name = "experiment", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run one experiment of the momentum study: writes summary.json, CSVs, PNG plots and "
                + "report.md to the run directory and prints the table.", "--list shows the experiments."})
public final class ExperimentCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The experiment (see --list).")
    String name;

    @Option(names = "--list", description = "List the experiments and exit.")
    boolean list;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (created); default runs/NAME-<date>-<time>.")
    Path out;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "First seed (data order, "
            + "initial weights, schedules). Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--seeds", paramLabel = "N", description = "Replicate over N seeds (--seed, --seed + 1, "
            + "...): tables give means with standard errors and 95 %% intervals. Default: each experiment's own.")
    Integer seeds;

    @Option(names = "--quick", description = "The CI-sized version: fewer seeds, updates and grid cells.")
    boolean quick;

    @Option(names = "--compute-time", paramLabel = "DIST", description = "Simulated workers' compute times "
            + "for the asynchronous experiments: exp:MEAN, gamma:SHAPE:SCALE, lognormal:MU:SIGMA, "
            + "pareto:ALPHA:XMIN, uniform:LO:HI, fixed:T or trace:FILE. Default: exp:1.")
    String computeTime;

    @Option(names = "--threads", paramLabel = "N", description = "Threads that run replicates in parallel "
            + "(results do not depend on it). Default: the number of cores.")
    Integer threads;

    @Option(names = "--data", paramLabel = "FILE", description = "Data file for experiments that read one "
            + "(airfoil: the airfoil_self_noise.dat file; default ../shared/data/airfoil_self_noise.dat).")
    Path data;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        if (list) {
            int w = Experiments.names().stream().mapToInt(String::length).max().orElse(0);
            for (Experiment e : Experiments.all()) {
                pw.printf("%-" + w + "s  %s%n", e.name(), e.description());
            }
            pw.flush();
            return 0;
        }
        if (name == null) {
            throw new IllegalArgumentException("name an experiment (one of " + String.join(", ", Experiments.names())
                    + "), or pass --list");
        }
        Experiment e = Experiments.byName(name).orElseThrow(() -> new IllegalArgumentException(
                "unknown experiment '" + name + "'; valid: " + String.join(", ", Experiments.names())));
        Path dir = out != null ? out : Path.of("runs", name + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (seeds != null && seeds < 1) {
            throw new IllegalArgumentException("--seeds must be >= 1, got " + seeds);
        }
        if (threads != null) {
            Replicates.threads(threads);
        }
        long start = System.nanoTime();
        RunDirectory run = new RunDirectory(dir, seed, seeds == null ? 0 : seeds, quick, data);
        if (computeTime != null) {
            run.computeTime(dev.momentumps.study.sim.TimeDistribution.parse(computeTime, "--compute-time"));
        }
        Table table = e.run(run);
        pw.print(table.text());
        pw.printf("%s: %.1f s; wrote %s (report.md, summary.json, CSV, PNG)%n", e.name(),
                (System.nanoTime() - start) / 1e9, dir);
        pw.flush();
        return 0;
    }
}
