package dev.momentumps.server.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.server.core.Checkpointable;
import dev.momentumps.server.core.CoreSnapshot;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import dev.momentumps.wire.TensorLayout;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    private static final TensorLayout LAYOUT = TensorLayout.builder().add("w", 3, 4).add("b", 4).build();

    private static ParameterServerCore core(String rule) {
        OptimizerConfig c = OptimizerConfig.defaults(rule);
        return new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0, new Asynchronous(), 1);
    }

    private static float[] gradient(Random r) {
        float[] g = new float[LAYOUT.numElements()];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        return g;
    }

    /** Pushes steps [from, to) alternating between the two workers; sequences count from {@code seq0}. */
    private static void pushes(ParameterServerCore core, int a, int b, Random r, int from, int to, int seq0) {
        for (int step = from; step < to; step++) {
            int who = step % 2 == 0 ? a : b;
            core.push(who, Math.max(0, core.version() - step % 3), seq0 + step - from, gradient(r), 0.5, 8);
        }
    }

    @Test
    void resumingFromACheckpointContinuesBitForBitAsTheUninterruptedRun(@TempDir Path dir) throws Exception {
        for (String rule : List.of("adam", "momentum", "adadelta", "nesterov")) {
            ParameterServerCore straight = core(rule);
            int a = straight.register(0, "a");
            int b = straight.register(1, "b");
            straight.initialize(a, LAYOUT, new float[LAYOUT.numElements()]);
            Random r = new Random(7);
            pushes(straight, a, b, r, 0, 10, 1);
            CheckpointStore store = new CheckpointStore(dir.resolve(rule), 3);
            Path file = store.write(straight.snapshot());
            pushes(straight, a, b, r, 10, 25, 11);

            ParameterServerCore resumed = core(rule);
            CheckpointStore.Loaded loaded = store.loadNewestValid(msg -> { });
            assertEquals(file, loaded.file());
            resumed.restore(loaded.snapshot());
            assertEquals(10, resumed.version());
            // workers come back under their old ids; their sequences start afresh
            assertEquals(a, resumed.register(0, "a2"));
            assertEquals(b, resumed.register(1, "b2"));
            Random r2 = new Random(7);
            for (int i = 0; i < 10; i++) {
                gradient(r2); // the same gradient stream as the straight run
            }
            pushes(resumed, a, b, r2, 10, 25, 1);
            assertArrayEquals(straight.weights(), resumed.weights(), rule);
            assertEquals(straight.status().gradientsApplied(), resumed.status().gradientsApplied());
            assertArrayEquals(straight.status().staleness().histogram(), resumed.status().staleness().histogram());
            assertEquals(straight.status().workers().get(1).pushes(), resumed.status().workers().get(1).pushes(),
                    "a worker's clock survives the restart");
        }
    }

    @Test
    void aCheckpointableConsistencyModelsStateTravelsWithTheCheckpoint(@TempDir Path dir) throws Exception {
        class Backups implements dev.momentumps.server.consistency.ConsistencyModel, Checkpointable {
            private final Asynchronous async = new Asynchronous();
            byte[] state = "before".getBytes(StandardCharsets.UTF_8);

            @Override
            public dev.momentumps.wire.ConsistencyKind kind() {
                return async.kind();
            }

            @Override
            public void submit(dev.momentumps.server.consistency.Submission s,
                               dev.momentumps.server.consistency.UpdateSink sink) {
                async.submit(s, sink);
            }

            @Override
            public String checkpointKey() {
                return "backups";
            }

            @Override
            public byte[] saveState() {
                return state.clone();
            }

            @Override
            public void restoreState(byte[] s) {
                state = s.clone();
            }
        }
        Backups saved = new Backups();
        saved.state = "per-worker backups".getBytes(StandardCharsets.UTF_8);
        ParameterServerCore core = new ParameterServerCore(UpdateRules.create(OptimizerConfig.defaults("sgd")),
                t -> 0.1f, 0, saved, 1);
        core.initialize(core.register(0, "a"), LAYOUT, new float[LAYOUT.numElements()]);
        CheckpointStore store = new CheckpointStore(dir, 1);
        store.write(core.snapshot());

        Backups fresh = new Backups();
        new ParameterServerCore(UpdateRules.create(OptimizerConfig.defaults("sgd")), t -> 0.1f, 0, fresh, 1)
                .restore(store.loadNewestValid(m -> { }).snapshot());
        assertEquals("per-worker backups", new String(fresh.state, StandardCharsets.UTF_8));
        // a server without that part refuses the checkpoint instead of dropping the state silently
        ParameterServerCore without = new ParameterServerCore(UpdateRules.create(OptimizerConfig.defaults("sgd")),
                t -> 0.1f, 0, new Asynchronous(), 1);
        CoreSnapshot snap = CheckpointStore.read(store.list().get(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> without.restore(snap));
        assertTrue(e.getMessage().contains("backups"), e.getMessage());
        assertFalse(without.isInitialized());
    }

    @Test
    void dcAsgdBackupsAndMeanSquareSurviveARestart(@TempDir Path dir) throws Exception {
        java.util.function.Supplier<ParameterServerCore> make = () -> {
            ParameterServerCore c = core("sgd");
            c.setCompensation(new dev.momentumps.server.compensation.DelayCompensation(0.5f, true));
            return c;
        };
        ParameterServerCore straight = make.get();
        int a = straight.register(0, "a");
        int b = straight.register(1, "b");
        straight.initialize(a, LAYOUT, new float[LAYOUT.numElements()]);
        float[] w = new float[LAYOUT.numElements()];
        Random r = new Random(5);
        for (int step = 1; step <= 6; step++) {
            int who = step % 2 == 0 ? a : b;
            straight.pull(who, w); // the compensation keeps a backup of what each worker was sent
            straight.push(who, straight.version(), step, gradient(r), 0, 1);
        }
        CheckpointStore store = new CheckpointStore(dir, 1);
        store.write(straight.snapshot());
        ParameterServerCore resumed = make.get();
        resumed.restore(store.loadNewestValid(m -> { }).snapshot());
        assertEquals(a, resumed.register(0, "a"));
        assertEquals(b, resumed.register(1, "b"));
        var dcStraight = (dev.momentumps.server.compensation.DelayCompensation) straight.compensation();
        var dcResumed = (dev.momentumps.server.compensation.DelayCompensation) resumed.compensation();
        assertArrayEquals(dcStraight.backupOf(a), dcResumed.backupOf(a));
        assertArrayEquals(dcStraight.backupOf(b), dcResumed.backupOf(b));
        // both push a stale gradient (computed before the last pull): the corrections must agree exactly
        for (int step = 7; step <= 10; step++) {
            float[] g = gradient(r);
            straight.push(a, straight.version() - 1, step, g.clone(), 0, 1);
            resumed.push(a, resumed.version() - 1, step - 6, g.clone(), 0, 1);
        }
        assertArrayEquals(straight.weights(), resumed.weights());
    }

    @Test
    void aTruncatedOrCorruptedNewestCheckpointIsReportedAndThePreviousOneUsed(@TempDir Path dir) throws Exception {
        ParameterServerCore core = core("adam");
        int a = core.register(0, "a");
        core.initialize(a, LAYOUT, new float[LAYOUT.numElements()]);
        CheckpointStore store = new CheckpointStore(dir, 3);
        Random r = new Random(1);
        List<Path> files = new ArrayList<>();
        for (int k = 1; k <= 4; k++) {
            for (int i = 0; i < 5; i++) {
                core.push(a, core.version(), core.version() + 1, gradient(r), 0, 1);
            }
            files.add(store.write(core.snapshot()));
        }
        assertEquals(3, store.list().size(), "only the newest 3 are kept");
        assertFalse(Files.exists(files.get(0)));
        assertEquals(files.get(3), store.list().get(0));

        // the newest is truncated (a crash mid-copy), the one before has a flipped byte in its weights
        try (RandomAccessFile f = new RandomAccessFile(files.get(3).toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        try (RandomAccessFile f = new RandomAccessFile(files.get(2).toFile(), "rw")) {
            f.seek(f.length() - 40);
            int x = f.read();
            f.seek(f.length() - 40);
            f.write(x ^ 0x10);
        }
        List<String> reports = new ArrayList<>();
        CheckpointStore.Loaded loaded = store.loadNewestValid(reports::add);
        assertNotNull(loaded);
        assertEquals(files.get(1), loaded.file());
        assertEquals(10, loaded.snapshot().version());
        assertEquals(2, reports.size(), reports.toString());
        assertTrue(reports.get(0).contains("truncated"), reports.get(0));
        assertTrue(reports.get(1).contains("checksum mismatch"), reports.get(1));

        Files.writeString(dir.resolve("ckpt-00000000000000000099.mps"), "not a checkpoint at all");
        assertThrows(CorruptCheckpointException.class, () -> CheckpointStore.read(dir.resolve("ckpt-00000000000000000099.mps")));
        assertNull(new CheckpointStore(dir.resolve("empty"), 1).loadNewestValid(m -> { }));
    }

    @Test
    void theCheckpointerWritesEveryNUpdatesAndAtClose(@TempDir Path dir) throws Exception {
        ParameterServerCore core = new ParameterServerCore(UpdateRules.create(OptimizerConfig.defaults("sgd")),
                t -> 0.1f, 0, new Synchronous(), 1);
        int a = core.register(0, "a");
        core.initialize(a, LAYOUT, new float[LAYOUT.numElements()]);
        CheckpointStore store = new CheckpointStore(dir, 100);
        List<String> log = new ArrayList<>();
        Checkpointer cp = new Checkpointer(core, store, 5, 0, m -> {
            synchronized (log) {
                log.add(m);
            }
        }).start();
        Random r = new Random(3);
        for (int i = 1; i <= 12; i++) {
            core.push(a, core.version(), i, gradient(r), 0, 1);
            if (i % 5 == 0) {
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (cp.written() < i / 5 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
            }
        }
        cp.close();
        List<Path> files = store.list();
        assertEquals(3, files.size(), files.toString());
        assertEquals(12, CheckpointStore.read(files.get(0)).version(), "a final checkpoint at close");
        assertEquals(5, CheckpointStore.read(files.get(2)).version());
        assertArrayEquals(core.weights(), CheckpointStore.read(files.get(0)).weights());
    }
}
