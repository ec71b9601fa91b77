package dev.momentumps.study.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.study.sim.TimeDistribution;
import dev.momentumps.worker.data.IdxLoader;
import dev.momentumps.worker.data.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The --quick versions of momentum-vs-workers on the MLP and the CNN: what is deterministic in them. */
class NetworkMomentumVsWorkersTest {

    @TempDir
    Path dir;

    @Test
    void mlpQuickTunesEveryWorkerCountAndLearns() throws Exception {
        Path data = SharedData.file("optdigits.tra");
        NetworkMomentumVsWorkers e = NetworkMomentumVsWorkers.mlp();
        Table t = e.run(new RunDirectory(dir, 42, 0, true, data));
        assertEquals(NetworkMomentumVsWorkers.MLP_QUICK.workers().length, t.rows().size());
        for (String f : new String[] {"results.csv", "scores.csv", "best-beta.png", "score-vs-beta.png", "report.md"}) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        MomentumVsWorkers.Scorer s = NetworkMomentumVsWorkers.scorer(NetworkMomentumVsWorkers.MLP_QUICK, data, 42,
                new TimeDistribution.Exponential(1));
        double once = s.score(4, 0.2, 0.6, 43);
        assertEquals(once, s.score(4, 0.2, 0.6, 43), "a seed fixes minibatches and schedule");
        assertTrue(once != s.score(4, 0.2, 0.6, 44), "another seed, another run");
        double sgd = s.score(1, 0.2, 0, 42);
        assertTrue(sgd < Math.log10(0.5), "one worker, 120 updates: test loss below 0.5, got 10^" + sgd);
        double blown = s.score(1, 1e4, 0.9, 42);
        assertTrue(blown > 1, "a learning rate of 10^4 saturates the tanh units: test loss over 10, got 10^" + blown);
    }

    @Test
    void cnnQuickRunsOnMnistAndLearns() throws Exception {
        SharedData.file(IdxLoader.MNIST10K_IMAGES);
        NetworkMomentumVsWorkers e = NetworkMomentumVsWorkers.cnn();
        Table t = e.run(new RunDirectory(dir, 42, 0, true, null));
        assertEquals(NetworkMomentumVsWorkers.CNN_QUICK.workers().length, t.rows().size());
        assertTrue(Files.readString(dir.resolve("report.md")).contains("1000 train, 200 test"));
        MomentumVsWorkers.Scorer s = NetworkMomentumVsWorkers.scorer(NetworkMomentumVsWorkers.CNN_QUICK, null, 42,
                new TimeDistribution.Exponential(1));
        double once = s.score(1, 0.05, 0.9, 42);
        assertEquals(once, s.score(1, 0.05, 0.9, 42));
        assertTrue(once < Math.log10(2.30), "16 heavy-ball updates beat chance (ln 10 = 2.303), got 10^" + once);
    }
}
