package dev.momentumps.study.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.worker.data.DenseDataset;
import dev.momentumps.worker.model.QuadraticModel;
import dev.momentumps.worker.task.GradientTask;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReplicatesTest {

    @AfterEach
    void restore() {
        Replicates.threads(Runtime.getRuntime().availableProcessors());
    }

    /** One simulated asynchronous run per seed: its final loss. */
    private static double[] losses(int threads) {
        Replicates.threads(threads);
        return Replicates.mapToDouble(8, k -> {
            QuadraticModel model = QuadraticModel.geometric(10, 0.01, 1);
            AsyncRuns.Outcome o = AsyncRuns.run(InProcessServer.momentum(0.2, 0.5), StalenessCompensation.NONE, 4,
                    r -> new GradientTask(model, DenseDataset.featureless(4), r, 4, 1, k, 0.1), 300, 1000 + k, -1);
            return model.loss(o.weights(), null);
        });
    }

    @Test
    void sameNumbersWhateverTheThreadCount() {
        double[] one = losses(1);
        double[] three = losses(3);
        assertArrayEquals(one, three, 0.0);
        // and the seeds do differ
        assertEquals(8, java.util.Arrays.stream(one).distinct().count());
    }

    @Test
    void resultsInIndexOrderAndNestingRunsInline() {
        Replicates.threads(2);
        List<List<Integer>> nested = Replicates.map(5, i -> Replicates.map(3, j -> 10 * i + j));
        for (int i = 0; i < 5; i++) {
            assertEquals(List.of(10 * i, 10 * i + 1, 10 * i + 2), nested.get(i));
        }
    }

    @Test
    void aFailureIsRethrownAndBadThreadCountsRefused() {
        Replicates.threads(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Replicates.map(4, i -> {
            if (i == 2) {
                throw new IllegalStateException("replicate 2 failed");
            }
            return i;
        }));
        assertEquals("replicate 2 failed", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Replicates.threads(0));
    }
}
