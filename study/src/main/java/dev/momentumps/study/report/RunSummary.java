package dev.momentumps.study.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.momentumps.study.sim.ImplicitMomentumFit;
import dev.momentumps.server.checkpoint.CheckpointReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code summary.json}: what a run did and reached. Field names are snake_case in the file.
 *
 * @param finalLoss    the loss over the whole training set at the end
 * @param testAccuracy on the test split, for classification with one; omitted otherwise
 * @param implicitMomentum the fitted total momentum of the trajectory (simulated quadratic/linear runs);
 *                         omitted otherwise
 * @param checkpoint   the servers' checkpoints: written, failed attempts, the last error, the newest version
 *                     written; omitted when the run writes none
 * @param gap          the gap ‖θ_apply − θ_computed‖₂ of the gradients the server measured ({@code --gap-meter});
 *                     omitted when it measured none
 * @param diverged     whether the run diverged (see {@link Divergence}); then {@code divergedAtUpdate} is the
 *                     update it was first seen at and {@code divergence} says why (both omitted otherwise)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"task", "diverged", "diverged_at_update", "divergence"})
public record RunSummary(String task, String optimizer, String mode, String transport, int workers, long updates,
                         long gradientsApplied, long gradientsDropped, double finalLoss, Double testAccuracy,
                         double wallSeconds, double updatesPerSecond, double examplesPerSecond,
                         Staleness staleness, List<WorkerSummary> perWorker, Map<String, Object> config,
                         ImplicitMomentumFit implicitMomentum, CheckpointReport checkpoint, Gap gap,
                         boolean diverged, Long divergedAtUpdate, String divergence) {

    /** Without an implicit-momentum fit. */
    public RunSummary(String task, String optimizer, String mode, String transport, int workers, long updates,
                      long gradientsApplied, long gradientsDropped, double finalLoss, Double testAccuracy,
                      double wallSeconds, double updatesPerSecond, double examplesPerSecond,
                      Staleness staleness, List<WorkerSummary> perWorker, Map<String, Object> config) {
        this(task, optimizer, mode, transport, workers, updates, gradientsApplied, gradientsDropped, finalLoss,
                testAccuracy, wallSeconds, updatesPerSecond, examplesPerSecond, staleness, perWorker, config, null, null,
                null, false, null, null);
    }

    /** This summary with {@code fit} as its implicit momentum. */
    public RunSummary withImplicitMomentum(ImplicitMomentumFit fit) {
        return new RunSummary(task, optimizer, mode, transport, workers, updates, gradientsApplied, gradientsDropped,
                finalLoss, testAccuracy, wallSeconds, updatesPerSecond, examplesPerSecond, staleness, perWorker, config,
                fit, checkpoint, gap, diverged, divergedAtUpdate, divergence);
    }

    /** This summary with {@code report} as its checkpoint section (null: none). */
    public RunSummary withCheckpoint(CheckpointReport report) {
        return new RunSummary(task, optimizer, mode, transport, workers, updates, gradientsApplied, gradientsDropped,
                finalLoss, testAccuracy, wallSeconds, updatesPerSecond, examplesPerSecond, staleness, perWorker, config,
                implicitMomentum, report, gap, diverged, divergedAtUpdate, divergence);
    }

    /** This summary with the outcome {@code d} decided. */
    public RunSummary withDivergence(Divergence d) {
        return new RunSummary(task, optimizer, mode, transport, workers, updates, gradientsApplied, gradientsDropped,
                finalLoss, testAccuracy, wallSeconds, updatesPerSecond, examplesPerSecond, staleness, perWorker, config,
                implicitMomentum, checkpoint, gap, d.diverged(), d.diverged() ? d.atUpdate() : null, d.reason());
    }

    /** This summary with {@code g} as its gap section (null: none measured). */
    public RunSummary withGap(Gap g) {
        return new RunSummary(task, optimizer, mode, transport, workers, updates, gradientsApplied, gradientsDropped,
                finalLoss, testAccuracy, wallSeconds, updatesPerSecond, examplesPerSecond, staleness, perWorker, config,
                implicitMomentum, checkpoint, g, diverged, divergedAtUpdate, divergence);
    }

    /**
     * The gap ‖θ_apply − θ_computed‖₂ over the measured gradients; {@code meanByStaleness[k]}: the mean gap of
     * the gradients of staleness k (null where there was none; the last of at most 1,024 holds the tail).
     */
    public record Gap(long measured, double mean, double max, Double[] meanByStaleness) {
    }

    /** Staleness over all applied gradients. */
    public record Staleness(double mean, long max, long[] histogram) {
    }

    /** One worker's counts; {@code stalenessHistogram[k]}: its gradients applied with staleness k. */
    public record WorkerSummary(int worker, int rank, long pushes, double meanStaleness, long maxStaleness,
                                long[] stalenessHistogram,
                                boolean alive) {
    }

    public static ObjectMapper mapper() {
        return new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT);
    }

    public void write(Path file) throws IOException {
        mapper().writeValue(file.toFile(), this);
    }
}
