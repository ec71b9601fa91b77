package dev.momentumps.server.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A disk that refuses checkpoints: an event reported once, retried with backoff, counted. */
class CheckpointFailureTest {

    @Test
    void aFailingDiskIsReportedOnceRetriedWithBackoffAndCounted(@TempDir Path tmp) throws Exception {
        // a checkpoint directory whose parent is a regular file: every write fails (as root too)
        Path blocker = tmp.resolve("blocker");
        Files.writeString(blocker, "a file where a directory should be");
        Path dir = blocker.resolve("checkpoints");
        OptimizerConfig c = OptimizerConfig.defaults("sgd");
        ParameterServerCore core = new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0,
                new Asynchronous(), 1);
        int a = core.register(0, "a");
        core.initialize(a, TensorLayout.builder().add("w", 4).build(), new float[4]);
        List<String> log = new ArrayList<>();
        List<CheckpointReport> reports = new ArrayList<>();
        Checkpointer cp = new Checkpointer(core, new CheckpointStore(dir, 1), 1, 0, m -> {
            synchronized (log) {
                log.add(m);
            }
        }).backoff(60_000, 60_000).onReport(reports::add).start();
        for (int i = 1; i <= 400; i++) {
            core.push(a, core.version(), i, new float[] {1, 1, 1, 1}, 0, 1);
        }
        assertEquals(400, core.version(), "training goes on");
        assertEquals(1, cp.report().failures(), "one attempt, then the backoff holds: " + cp.report());
        assertEquals(0, cp.report().written());
        assertEquals(1, log.size(), log.toString());
        assertTrue(log.get(0).startsWith("checkpoint failed: ") && log.get(0).contains("retrying with backoff"),
                log.get(0));
        assertNotNull(cp.report().lastError());

        // the final checkpoint is attempted whatever the backoff; it fails the same way: counted, not logged again
        assertThrows(IOException.class, cp::checkpointNow);
        assertEquals(2, cp.report().failures());
        assertEquals(1, log.size(), log.toString());

        // the disk comes back: the next attempt writes, and says so
        Files.delete(blocker);
        assertNotNull(cp.checkpointNow());
        assertEquals(1, cp.report().written());
        assertEquals(400, cp.report().lastVersion());
        assertTrue(log.get(1).contains("written again after 2 failed attempts"), log.toString());
        assertEquals(cp.report(), reports.get(reports.size() - 1), "the listener hears every change");
        assertEquals(3, reports.size());
        cp.close();
    }
}
