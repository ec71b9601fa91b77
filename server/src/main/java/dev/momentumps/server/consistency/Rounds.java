package dev.momentumps.server.consistency;

import java.util.Comparator;
import java.util.List;

/** What the synchronous models share: the mean of a round's gradients, summed in a fixed order. */
final class Rounds {
    /** Rank, then worker id: the order a round's gradients are summed in, whatever order they came in. */
    static final Comparator<Submission> BY_RANK =
            Comparator.comparingInt(Submission::rank).thenComparingInt(Submission::workerId);

    private Rounds() {
    }

    /**
     * Sorts {@code round} by rank, applies the mean (Σ gᵣ in rank order, then × 1/n in float32) as one
     * update through {@code sink}, and clears the list.
     */
    static void applyMean(List<Submission> round, UpdateSink sink) {
        round.sort(BY_RANK);
        float[] mean = sink.newBuffer();
        for (Submission s : round) {
            float[] g = s.gradient();
            for (int i = 0; i < mean.length; i++) {
                mean[i] += g[i];
            }
        }
        float inv = 1f / round.size();
        for (int i = 0; i < mean.length; i++) {
            mean[i] *= inv;
        }
        List<Submission> contributors = List.copyOf(round);
        round.clear();
        sink.apply(mean, contributors);
    }
}
