package dev.momentumps.cli.report;

/** The full training loss (and test accuracy, NaN if none) at a version, {@code seconds} into the run. */
public record Evaluation(long version, double seconds, double trainLoss, double testAccuracy) {
}
