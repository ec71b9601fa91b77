package dev.momentumps.study.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.worker.data.SharedData;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.TaskSpec;
import dev.momentumps.worker.task.Tasks;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The D2L airfoil recipe through the server: one worker lands where the book does; it is reproducible. */
class AirfoilTest {

    private static Path data() {
        return SharedData.file("airfoil_self_noise.dat");
    }

    @Test
    void oneWorkerReachesTheBooksLossAndRepeatsExactly() {
        TaskSpec spec = Airfoil.spec(data(), 42);
        Task task = Tasks.build(spec);
        assertEquals(1500, task.train().rows());
        for (double[] s : Airfoil.SETTINGS) {
            Airfoil.Run r = Airfoil.train(task, spec, s[0], s[1], 1);
            assertTrue(r.finalLoss() > 0.235 && r.finalLoss() < 0.26, "lr " + s[0] + ": " + r.finalLoss());
            assertEquals(16, r.losses().length, "every 200 examples over 3000, and the start");
            assertEquals(0, r.meanStaleness());
        }
        Airfoil.Run a = Airfoil.train(task, spec, 0.02, 0.5, 4);
        Airfoil.Run b = Airfoil.train(task, spec, 0.02, 0.5, 4);
        assertEquals(a.finalLoss(), b.finalLoss());
        assertEquals(3.0, a.meanStaleness(), 0.05, "4 round-robin workers: staleness 3 after the first round");
    }
}
