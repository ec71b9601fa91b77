package dev.momentumps.study.experiment;

import dev.momentumps.study.report.RunSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where an experiment writes: {@code summary.json} (Jackson, snake_case as {@link RunSummary}), CSV tables,
 * PNG plots and {@code report.md}. Also carries the run's seeds ({@code --seed}, {@code --seeds}), whether
 * it is the CI-sized version ({@code --quick}) and the optional data file.
 */
public final class RunDirectory {
    private final Path dir;
    private final long seed;
    private final int seeds;
    private final boolean quick;
    private final Path data;
    private dev.momentumps.study.sim.TimeDistribution computeTime = new dev.momentumps.study.sim.TimeDistribution.Exponential(1);

    /** @param data the {@code --data} file, or null for the experiment's default */
    public RunDirectory(Path dir, long seed, Path data) throws IOException {
        this(dir, seed, 0, false, data);
    }

    /**
     * @param seeds how many seeds to replicate over, or 0 for the experiment's default
     * @param quick the CI-sized version (fewer seeds, updates and grid cells)
     * @param data  the {@code --data} file, or null for the experiment's default
     */
    public RunDirectory(Path dir, long seed, int seeds, boolean quick, Path data) throws IOException {
        if (seeds < 0) {
            throw new IllegalArgumentException("seeds must be >= 0 (0: the experiment's default), got " + seeds);
        }
        this.dir = Files.createDirectories(dir);
        this.seed = seed;
        this.seeds = seeds;
        this.quick = quick;
        this.data = data;
    }

    /**
     * The seeds to replicate over: {@code --seed}, {@code --seed} + 1, … ({@code --seeds} of them, or
     * {@code byDefault}, or {@code quickDefault} under {@code --quick}). Every cell of a grid runs on the
     * same seeds, so cells are compared seed by seed (paired).
     */
    public long[] seeds(int byDefault, int quickDefault) {
        int n = seeds > 0 ? seeds : quick ? quickDefault : byDefault;
        long[] s = new long[n];
        for (int i = 0; i < n; i++) {
            s[i] = seed + i;
        }
        return s;
    }

    /**
     * The simulated workers' compute-time distribution ({@code --compute-time}; default Exp(1), the
     * memoryless case the asynchrony papers assume).
     */
    public dev.momentumps.study.sim.TimeDistribution computeTime() {
        return computeTime;
    }

    public RunDirectory computeTime(dev.momentumps.study.sim.TimeDistribution d) {
        this.computeTime = d;
        return this;
    }

    /** The CI-sized version ({@code --quick}). */
    public boolean quick() {
        return quick;
    }

    public Path dir() {
        return dir;
    }

    public long seed() {
        return seed;
    }

    /** The {@code --data} file, or {@code fallback} when none was given. */
    public Path data(Path fallback) {
        return data != null ? data : fallback;
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    /**
     * Writes {@code summary.json}: {@code {"experiment": name, "seed": seed, ...fields}}. Records in the
     * fields serialise with snake_case names.
     */
    public void summary(String experiment, Map<String, Object> fields) throws IOException {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("experiment", experiment);
        all.put("seed", seed);
        all.put("quick", quick);
        all.put("compute_time", computeTime.toString());
        all.putAll(new java.util.TreeMap<>(fields)); // a fixed key order, whatever map the caller built
        RunSummary.mapper().writeValue(file("summary.json").toFile(), all);
    }

    /**
     * Writes {@code report.md}: the setup, the table, what the numbers show, and the plots.
     *
     * @param plots file names of PNGs in this directory
     */
    public void report(String title, String setup, Table table, String findings, List<String> plots)
            throws IOException {
        StringBuilder sb = new StringBuilder("# ").append(title).append("\n\n## Setup\n\n").append(setup.strip())
                .append("\n\n## Results\n\n").append(table.markdown()).append("\n## What it shows\n\n")
                .append(findings.strip()).append('\n');
        if (!plots.isEmpty()) {
            sb.append("\n## Plots\n\n");
            for (String p : plots) {
                sb.append("![").append(p).append("](").append(p).append(")\n");
            }
        }
        Files.writeString(file("report.md"), sb);
    }
}
