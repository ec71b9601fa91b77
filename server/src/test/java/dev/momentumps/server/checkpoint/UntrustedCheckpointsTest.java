package dev.momentumps.server.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.CoreSnapshot;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.RequestBounds;
import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Long names, and checkpoint directories holding files that are not ours. */
class UntrustedCheckpointsTest {
    private static final TensorLayout LAYOUT = TensorLayout.builder().add("w", 2).build();

    private static ParameterServerCore core() {
        OptimizerConfig c = OptimizerConfig.defaults("sgd");
        return new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0, new Asynchronous(), 1);
    }

    private static ParameterServerCore initialised() {
        ParameterServerCore core = core();
        core.initialize(core.register(0, "a"), LAYOUT, new float[] {1, 2});
        return core;
    }

    @Test
    void aNameOverTheBoundIsRefusedNamingTheFieldAndCheckpointsGoOn(@TempDir Path dir) throws Exception {
        ParameterServerCore core = initialised();
        RequestException e = assertThrows(RequestException.class, () -> core.register(50, "x".repeat(70_000)));
        assertEquals(RequestException.Reason.INVALID_ARGUMENT, e.reason());
        assertTrue(e.getMessage().startsWith("name is 70000 bytes"), e.getMessage());
        assertEquals(1, core.status().workers().size(), "a refused registration leaves the workers as they were");
        // multi-byte characters count as their UTF-8 bytes: 86 × 3 = 258 > 256
        assertThrows(RequestException.class, () -> core.register(51, "€".repeat(86)));
        core.register(52, "€".repeat(85));
        core.register(53, "y".repeat(RequestBounds.MAX_NAME_BYTES));
        core.push(0, core.version(), 1, new float[] {1, 1}, 0, 1);
        CheckpointStore store = new CheckpointStore(dir, 1);
        CoreSnapshot back = CheckpointStore.read(store.write(core.snapshot()));
        assertEquals("y".repeat(RequestBounds.MAX_NAME_BYTES), back.workers().get(2).name());
    }

    @Test
    void theFormatHoldsStringsOfAnyLength() throws Exception {
        // 70,000 bytes: more than writeUTF (format 1) could hold
        String longName = "n".repeat(70_000);
        CoreSnapshot s = new CoreSnapshot(TensorLayout.builder().add(longName, 2).build(), new float[] {3, 4}, 7,
                "sgd", Map.of(longName, new float[] {5, 6}), 7, 0, new long[] {7},
                List.of(new CoreSnapshot.WorkerState(0, 3, longName, 7, 7, true, new long[] {7})), Map.of());
        CoreSnapshot back = CheckpointFormat.decode(CheckpointFormat.encode(s), Path.of("mem"));
        assertEquals(longName, back.workers().get(0).name());
        assertEquals(longName, back.layout().tensors().get(0).name());
        assertArrayEquals(new float[] {5, 6}, back.ruleState().get(longName));
    }

    @Test
    void formatOneFilesAreStillRead() throws Exception {
        // format 1 as its javadoc defined it: strings by writeUTF
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream b = new DataOutputStream(bytes);
        b.writeLong(9);
        b.writeLong(8);
        b.writeLong(1);
        b.writeUTF("sgd");
        b.writeInt(1);
        b.writeUTF("w");
        b.writeInt(1);
        b.writeLong(2);
        b.writeInt(2);
        b.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2).array());
        b.writeInt(0); // no state vectors
        b.writeInt(1);
        b.writeLong(8); // histogram [8]
        b.writeInt(1);
        b.writeInt(0);
        b.writeInt(4);
        b.writeUTF("old");
        b.writeLong(8);
        b.writeLong(8);
        b.writeBoolean(true);
        b.writeInt(0);
        b.writeInt(0); // no extensions
        byte[] body = bytes.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(body);
        byte[] file = ByteBuffer.allocate(CheckpointFormat.HEADER_BYTES + body.length + 4).put(CheckpointFormat.MAGIC)
                .putInt(1).putLong(body.length).put(body).putInt((int) crc.getValue()).array();
        CoreSnapshot s = CheckpointFormat.decode(file, Path.of("v1"));
        assertEquals(9, s.version());
        assertEquals("old", s.workers().get(0).name());
        assertEquals(4, s.workers().get(0).rank());
        assertArrayEquals(new float[] {1.5f, -2}, s.weights());
    }

    @Test
    void filesNotOursAreIgnoredWithAWarningAndNeverCountedOrDeleted(@TempDir Path dir) throws Exception {
        // a garbage file that sorts above every real checkpoint, a number beyond a long, a file over 2 GiB
        Path garbage = dir.resolve("ckpt-09000000000000000000.mps");
        Files.writeString(garbage, "garbage ".repeat(10));
        Path beyond = dir.resolve("ckpt-99999999999999999999.mps");
        Files.writeString(beyond, "garbage");
        Path huge = dir.resolve("ckpt-08000000000000000000.mps");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(3L << 30); // sparse: no disk used
        }
        List<String> warnings = new ArrayList<>();
        CheckpointStore store = new CheckpointStore(dir, 1, warnings::add);
        ParameterServerCore core = initialised();
        for (int i = 1; i <= 3; i++) {
            core.push(0, core.version(), i, new float[] {1, 1}, 0, 1);
            store.write(core.snapshot());
        }
        assertTrue(Files.exists(dir.resolve(CheckpointStore.fileName(3))), "the newest real checkpoint is kept");
        assertTrue(Files.notExists(dir.resolve(CheckpointStore.fileName(2))), "older real ones are pruned");
        assertTrue(Files.exists(garbage) && Files.exists(beyond) && Files.exists(huge), "files not ours stay");
        assertEquals(3, warnings.size(), "one warning per foreign file, not one per write: " + warnings);
        assertTrue(warnings.stream().anyMatch(w -> w.contains(beyond.toString()) && w.contains("no version")),
                warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.contains(huge.toString()) && w.contains("larger than any")),
                warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.contains(garbage.toString()) && w.contains("bad magic")),
                warnings.toString());

        List<String> skipped = new ArrayList<>();
        CheckpointStore.Loaded loaded = new CheckpointStore(dir, 1).loadNewestValid(skipped::add);
        assertNotNull(loaded);
        assertEquals(3, loaded.snapshot().version());
        assertEquals(2, skipped.size(), "the garbage and the huge file are skipped: " + skipped);
        assertThrows(CorruptCheckpointException.class, () -> CheckpointStore.read(huge));
    }

    @Test
    void aFileWhoseHeaderDoesNotMatchItsSizeIsRefusedBeforeItIsRead(@TempDir Path dir) throws Exception {
        CheckpointStore store = new CheckpointStore(dir, 1);
        Path f = store.write(initialised().snapshot());
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.setLength(r.length() + 5);
        }
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> CheckpointStore.read(f));
        assertTrue(e.getMessage().contains("trailing bytes"), e.getMessage());
    }
}
