package dev.momentumps.study.experiment;

import java.io.IOException;

/**
 * One experiment of the study: {@code ./mps experiment NAME}. It runs the real update rules, server core
 * and worker code, writes summary.json, CSVs, PNG plots and report.md into the run directory, and returns
 * the table the command prints.
 */
public interface Experiment {

    /** The command-line name, e.g. {@code d2l-quadratic}. */
    String name();

    /** One line for {@code --list}. */
    String description();

    /** Runs the experiment into {@code run}'s directory; deterministic for {@code run.seed()}. */
    Table run(RunDirectory run) throws IOException;
}
