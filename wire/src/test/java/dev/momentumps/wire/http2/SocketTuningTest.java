package dev.momentumps.wire.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The socket settings' defaults hold together, and a bad system property is refused naming it. */
class SocketTuningTest {
    private static final String KEY = "mps.test.socketTuning";

    @AfterEach
    void clear() {
        System.clearProperty(KEY);
    }

    @Test
    void defaultsReadWholeChunksAndKeepSeveralInFlight() {
        assertTrue(SocketTuning.MAX_READ >= 1 << 20, "reads of a whole 1 MiB chunk: " + SocketTuning.MAX_READ);
        assertTrue(SocketTuning.WRITE_LOW >= LargeFrames.MAX_FRAME_SIZE - (64 << 10),
                "a whole frame fits under the low mark: " + SocketTuning.WRITE_LOW);
        assertTrue(SocketTuning.WRITE_HIGH >= SocketTuning.WRITE_LOW);
        assertTrue(SocketTuning.FLOW_CONTROL_WINDOW >= 4 << 20);
    }

    @Test
    void unsetTakesTheDefaultAndSetTakesTheValue() {
        assertEquals(123_456, SocketTuning.atLeast(KEY, 123_456, 1));
        System.setProperty(KEY, "2097152");
        assertEquals(2_097_152, SocketTuning.atLeast(KEY, 123_456, 1));
    }

    @Test
    void aValueBelowTheLeastIsRefusedNamingTheProperty() {
        assertEquals(KEY + " must be at least 65536 bytes, got 1000", refusal("1000", 65_536));
    }

    @Test
    void notANumberIsRefusedNamingTheProperty() {
        assertEquals(KEY + " must be a number of bytes, got '4MiB'", refusal("4MiB", 1));
    }

    private static String refusal(String value, int least) {
        System.setProperty(KEY, value);
        return assertThrows(IllegalArgumentException.class, () -> SocketTuning.atLeast(KEY, 123_456, least))
                .getMessage();
    }
}
