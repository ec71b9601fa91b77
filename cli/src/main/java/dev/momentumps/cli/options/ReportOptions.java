package dev.momentumps.cli.options;

import picocli.CommandLine.Option;

/** How {@code mps train} watches and reports a run: evaluation cadence and what happens when it diverges. */
public final class ReportOptions {
    /** Evaluations in a run when {@code --eval-every} is not given. */
    public static final int DEFAULT_EVALUATIONS = 100;

    @Option(names = "--eval-every", paramLabel = "N", defaultValue = "0",
            description = "Evaluate the loss over the whole training set (and the test split) every N updates; "
                    + "0: about " + DEFAULT_EVALUATIONS + " evaluations per run. Default: ${DEFAULT-VALUE}.")
    public long evalEvery;

    @Option(names = "--stop-on-divergence", description = "End the run (with its reports) as soon as it diverges: "
            + "the training loss is NaN, infinite or 1000 times its first value.")
    public boolean stopOnDivergence;

    /**
     * Updates between evaluations: {@code --eval-every}, or the expected updates / {@value #DEFAULT_EVALUATIONS}.
     *
     * @param expectedUpdates the updates the run should make (gradients pushed, or rounds of a synchronous run)
     */
    public long evalEvery(long expectedUpdates) {
        if (evalEvery < 0) {
            throw new IllegalArgumentException("--eval-every must be >= 0, got " + evalEvery);
        }
        return evalEvery > 0 ? evalEvery : Math.max(1, expectedUpdates / DEFAULT_EVALUATIONS);
    }
}
