package dev.momentumps.server.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.CoreSnapshot;
import dev.momentumps.server.core.GradientSource;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.TensorLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * The Status counters a checkpoint keeps from format 3 on: the window of recent losses (the mean of the last
 * 64) and the pushes by transport path. A resumed core reports both as the core it was written from; a
 * format 2 file still loads, with both empty.
 */
class CheckpointCountersTest {
    private static final TensorLayout LAYOUT = TensorLayout.builder().add("w", 5).build();

    private static ParameterServerCore core() {
        OptimizerConfig c = OptimizerConfig.defaults("momentum");
        return new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0, new Asynchronous(), 1);
    }

    /** 70 pushes (the 64-loss window wraps) by three paths, one sparse, with losses that differ in every bit. */
    private static ParameterServerCore trained() {
        ParameterServerCore core = core();
        int w = core.register(0, "w0");
        core.initialize(w, LAYOUT, new float[LAYOUT.numElements()]);
        for (int k = 1; k <= 70; k++) {
            double loss = 1.0 / (k + 0.3);
            if (k % 7 == 0) {
                core.pushSparse(w, core.version(), k, new int[] {1, 3}, new float[] {0.5f, -0.25f}, loss, 4,
                        "grpc-sparse");
            } else {
                float[] g = {0.1f * k, -0.2f, 0.3f, 0.01f * k, 1f};
                core.push(w, core.version(), k, GradientSource.of(g, false).via(k % 2 == 0 ? "grpc-stream" : "socket"),
                        loss, 4);
            }
        }
        return core;
    }

    @Test
    void aResumedCoreReportsTheRecentLossAndThePushesByPathOfTheCoreItWasWrittenFrom() throws Exception {
        ParameterServerCore original = trained();
        ServerStatus before = original.status();
        assertEquals(Map.of("grpc-stream", 30L, "socket", 30L, "grpc-sparse", 10L), before.pushesByPath());
        double expected = 0;
        for (int k = 7; k <= 70; k++) {
            expected += 1.0 / (k + 0.3);
        }
        assertEquals(expected / 64, before.recentLoss(), 1e-15, "the mean of the last 64 losses");

        byte[] file = CheckpointFormat.encode(original.snapshot());
        ParameterServerCore resumed = core();
        resumed.restore(CheckpointFormat.decode(file, Path.of("ckpt-test.mps")));
        ServerStatus after = resumed.status();
        assertEquals(Double.doubleToRawLongBits(before.recentLoss()), Double.doubleToRawLongBits(after.recentLoss()),
                "the recent loss to the bit");
        assertEquals(before.pushesByPath(), after.pushesByPath());
        assertArrayEquals(original.snapshot().recentLosses(), resumed.snapshot().recentLosses());

        // one more push on each: the window goes on from where it was
        assertEquals(0, resumed.register(0, "w0"));
        original.push(0, original.version(), 71, GradientSource.of(new float[5], false).via("socket"), 9.0, 4);
        resumed.push(0, resumed.version(), 71, GradientSource.of(new float[5], false).via("socket"), 9.0, 4);
        assertEquals(Double.doubleToRawLongBits(original.status().recentLoss()),
                Double.doubleToRawLongBits(resumed.status().recentLoss()));
        assertEquals(31L, resumed.status().pushesByPath().get("socket"));
    }

    @Test
    void aFormatTwoCheckpointStillLoadsWithNoLossesAndNoPaths() throws Exception {
        ParameterServerCore original = trained();
        CoreSnapshot s = original.snapshot();
        CoreSnapshot withoutCounters = new CoreSnapshot(s.layout(), s.weights(), s.version(), s.updateRule(),
                s.ruleState(), s.gradientsApplied(), s.gradientsDropped(), s.stalenessHistogram(), s.workers(),
                s.extensions());
        byte[] v3 = CheckpointFormat.encode(withoutCounters);
        // a format 2 body is the format 3 body without its last two counts (0 losses, 0 paths)
        int header = CheckpointFormat.HEADER_BYTES;
        int body = v3.length - header - 4 - 8;
        ByteBuffer v2 = ByteBuffer.allocate(header + body + 4);
        v2.put(CheckpointFormat.MAGIC).putInt(2).putLong(body).put(v3, header, body);
        CRC32C crc = new CRC32C();
        crc.update(v3, header, body);
        v2.putInt((int) crc.getValue());

        CoreSnapshot old = CheckpointFormat.decode(v2.array(), Path.of("ckpt-format-2.mps"));
        assertEquals(0, old.recentLosses().length);
        assertEquals(Map.of(), old.pushesByPath());
        ParameterServerCore resumed = core();
        resumed.restore(old);
        assertEquals(s.version(), resumed.version());
        assertArrayEquals(s.weights(), resumed.snapshot().weights());
        assertTrue(Double.isNaN(resumed.status().recentLoss()), "no losses yet");
        assertEquals(Map.of(), resumed.status().pushesByPath());
        assertEquals(s.gradientsApplied(), resumed.status().gradientsApplied());
    }
}
