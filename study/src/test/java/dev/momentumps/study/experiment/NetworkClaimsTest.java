package dev.momentumps.study.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.study.sim.TimeDistribution;
import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.worker.data.IdxLoader;
import dev.momentumps.worker.data.SharedData;
import dev.momentumps.worker.task.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The --quick versions of staleness-lr, dc-asgd and adam-vs-momentum on the MLP and the CNN: what is deterministic in them. */
class NetworkClaimsTest {
    private static final TimeDistribution EXP = new TimeDistribution.Exponential(1);

    @TempDir
    Path dir;

    private static NetworkClaims named(String name) {
        return (NetworkClaims) Experiments.byName(name).orElseThrow(() -> new AssertionError(name + " not registered"));
    }

    /** Runs the quick version and checks its files; @return its setting. */
    private NetworkClaims.Setting runQuick(NetworkClaims e, Path data, int rowsPerM) throws Exception {
        Table t = e.run(new RunDirectory(dir, 42, 0, true, data));
        NetworkClaims.Setting s = e.setting(true);
        assertEquals(s.rows().length * rowsPerM, t.rows().size(), t.markdown());
        for (String f : new String[] {"results.csv", "test-loss.png", "report.md", "summary.json"}) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        return s;
    }

    @Test
    void stalenessLrMlp() throws Exception {
        Path data = SharedData.file("optdigits.tra");
        NetworkClaims.Setting s = runQuick(named("staleness-lr-mlp"), data, 2);
        Task task = s.net().task(data, 42);
        MomentumVsWorkers.Scorer fixed = NetworkClaims.scorer(s, s.methods().get(0), 1, task, data, EXP);
        MomentumVsWorkers.Scorer scaled = NetworkClaims.scorer(s, s.methods().get(1), 1, task, data, EXP);
        double alone = fixed.score(1, 0.2, 0, 42);
        assertEquals(alone, scaled.score(1, 0.2, 0, 42), "one worker: no gradient is stale, lr/tau changes nothing");
        assertTrue(alone < Math.log10(0.5), "one worker, 120 updates: test loss below 0.5, got 10^" + alone);
        assertNotEquals(fixed.score(8, 0.2, 0, 42), scaled.score(8, 0.2, 0, 42), "8 workers: stale steps shrink");
        assertEquals(fixed.score(8, 0.2, 0, 43), fixed.score(8, 0.2, 0, 43), "a seed fixes minibatches and schedule");
    }

    @Test
    void dcAsgdMlp() throws Exception {
        Path data = SharedData.file("optdigits.tra");
        NetworkClaims e = named("dc-asgd-mlp");
        NetworkClaims.Setting s = runQuick(e, data, e.setting(true).methods().size());
        assertEquals("ASGD", s.methods().get(s.reference()).name());
        assertTrue(Files.readString(dir.resolve("report.md")).contains("vs ASGD"));
        Task task = s.net().task(data, 42);
        NetworkClaims.Method seq = s.methods().get(0);
        NetworkClaims.Method dc = s.methods().get(s.methods().size() - 1);
        assertEquals(1, NetworkClaims.workers(s, seq, 4));
        assertEquals(4, NetworkClaims.workers(s, dc, 4));
        MomentumVsWorkers.Scorer plain = NetworkClaims.scorer(s, seq, 4, task, data, EXP);
        MomentumVsWorkers.Scorer compensated = NetworkClaims.scorer(s, dc, 4, task, data, EXP);
        assertEquals(plain.score(1, 0.2, 0, 42), compensated.score(1, 0.2, 0, 42),
                "one worker computes on the current weights: the compensation term is zero");
        assertNotEquals(plain.score(4, 0.2, 0, 42), compensated.score(4, 0.2, 0, 42));
    }

    @Test
    void adamVsMomentumMlp() throws Exception {
        Path data = SharedData.file("optdigits.tra");
        NetworkClaims e = named("adam-vs-momentum-mlp");
        Table t = e.run(new RunDirectory(dir, 42, 0, true, data));
        NetworkClaims.Setting s = e.setting(true);
        assertTrue(s.delays());
        long adamRows = t.rows().stream().filter(r -> r.get(1).equals("adam")).count();
        assertEquals(s.rows().length, adamRows);
        Task task = s.net().task(data, 42);
        NetworkClaims.Method heavyBall = s.methods().get(0);
        MomentumVsWorkers.Scorer late = NetworkClaims.scorer(s, heavyBall, 4, task, data, EXP);
        MomentumVsWorkers.Scorer sgd = s.net().scorer(task, data, EXP, NetworkTask.SGD,
                () -> StalenessCompensation.NONE, 4);
        assertEquals(sgd.score(1, 0.2, 0, 42), late.score(1, 0.2, 0, 42), 1e-12, "heavy ball at beta 0 is SGD");
        MomentumVsWorkers.Scorer fresh = NetworkClaims.scorer(s, heavyBall, 0, task, data, EXP);
        assertNotEquals(fresh.score(1, 0.2, 0.9, 42), late.score(1, 0.2, 0.9, 42), "a delay of 4 changes the run");
    }

    @Test
    void cnnVersionsRunOnMnist() throws Exception {
        SharedData.file(IdxLoader.MNIST10K_IMAGES);
        for (String name : new String[] {"staleness-lr-cnn", "dc-asgd-cnn", "adam-vs-momentum-cnn"}) {
            NetworkClaims e = named(name);
            Path d = Files.createDirectories(dir.resolve(name));
            Table t = e.run(new RunDirectory(d, 42, 0, true, null));
            assertTrue(t.rows().size() >= e.setting(true).methods().size(), name);
            assertTrue(Files.readString(d.resolve("report.md")).contains("500 train, 100 test"), name);
        }
        NetworkClaims.Setting s = named("adam-vs-momentum-cnn").setting(true);
        Task task = s.net().task(null, 42);
        double once = NetworkClaims.scorer(s, s.methods().get(0), 0, task, null, EXP).score(1, 0.05, 0.9, 42);
        assertTrue(once < Math.log10(2.30), "8 heavy-ball updates beat chance (ln 10 = 2.303), got 10^" + once);
    }
}
