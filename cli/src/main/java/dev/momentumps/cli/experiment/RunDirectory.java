package dev.momentumps.cli.experiment;

import dev.momentumps.cli.report.RunSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where an experiment writes: {@code summary.json} (Jackson, snake_case as {@link RunSummary}), CSV tables,
 * PNG plots and {@code report.md}. Also carries the run's seed and optional data file.
 */
public final class RunDirectory {
    private final Path dir;
    private final long seed;
    private final Path data;

    /** @param data the {@code --data} file, or null for the experiment's default */
    public RunDirectory(Path dir, long seed, Path data) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.seed = seed;
        this.data = data;
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
