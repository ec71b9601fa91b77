package dev.momentumps.worker.task;

import dev.momentumps.worker.data.Dataset;
import dev.momentumps.worker.model.Model;

/**
 * A built task: the model, its training set and, for classification with a split, its test set.
 *
 * @param test        null when there is no test split
 * @param description one line for logs and reports, e.g. {@code logistic on a9a.libsvm (32561 train, 16281 test)}
 */
public record Task(Model model, Dataset train, Dataset test, String description) {

    /** The gradient source of worker {@code rank} of {@code workers}: its shard, its own seeded sampler. */
    public GradientTask worker(TaskSpec spec, int rank, int workers) {
        return new GradientTask(model, train, rank, workers, spec.batchSize(), spec.seed(), spec.gradNoise());
    }
}
