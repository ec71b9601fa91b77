package dev.momentumps.wire.http2;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The socket settings' defaults hold together (ConfigKeysTest checks how their properties are read). */
class SocketTuningTest {
    @Test
    void defaultsReadWholeChunksAndKeepSeveralInFlight() {
        assertTrue(SocketTuning.MAX_READ >= 1 << 20, "reads of a whole 1 MiB chunk: " + SocketTuning.MAX_READ);
        assertTrue(SocketTuning.WRITE_LOW >= LargeFrames.MAX_FRAME_SIZE - (64 << 10),
                "a whole frame fits under the low mark: " + SocketTuning.WRITE_LOW);
        assertTrue(SocketTuning.WRITE_HIGH >= SocketTuning.WRITE_LOW);
        assertTrue(SocketTuning.FLOW_CONTROL_WINDOW >= 4 << 20);
    }
}
