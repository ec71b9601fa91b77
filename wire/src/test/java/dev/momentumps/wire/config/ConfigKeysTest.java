package dev.momentumps.wire.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each key takes its default when unset, its value when set, and refuses a bad value naming the key. */
class ConfigKeysTest {
    private static final ConfigKey.IntKey INT = new ConfigKey.IntKey("mps.test.bytes", 123_456, 1024, 1 << 24, "t");
    private static final ConfigKey.BooleanKey BOOL = new ConfigKey.BooleanKey("mps.test.flag", true, "t");

    @AfterEach
    void clear() {
        System.clearProperty(INT.name());
        System.clearProperty(BOOL.name());
    }

    @Test
    void unsetTakesTheDefaultAndSetTakesTheValue() {
        assertEquals(123_456, INT.getInt());
        System.setProperty(INT.name(), " 2097152 ");
        assertEquals(2_097_152, INT.getInt());
        System.setProperty(INT.name(), "0x10000");
        assertEquals(65_536, INT.getInt());
        assertTrue(BOOL.getBoolean());
        System.setProperty(BOOL.name(), "FALSE");
        assertFalse(BOOL.getBoolean());
    }

    @Test
    void aValueOutsideTheRangeIsRefusedNamingTheKey() {
        assertEquals("mps.test.bytes must be in [1024, 16777216], got 1000", refusal(INT, "1000"));
        assertEquals("mps.test.bytes must be in [1024, 16777216], got 16777217", refusal(INT, "16777217"));
    }

    @Test
    void notANumberIsRefusedNamingTheKey() {
        assertEquals("mps.test.bytes must be an integer, got '4MiB'", refusal(INT, "4MiB"));
        assertEquals("mps.test.bytes must be an integer, got ''", refusal(INT, ""));
    }

    @Test
    void aBooleanThatIsNeitherTrueNorFalseIsRefusedNotReadAsFalse() {
        assertEquals("mps.test.flag must be true or false, got 'yes'", refusal(BOOL, "yes"));
        assertEquals("mps.test.flag must be true or false, got '1'", refusal(BOOL, "1"));
    }

    @Test
    void everyKeyIsAnMpsPropertyWithADefaultInItsRangeAndDocumented() throws IOException {
        String doc = Files.readString(docs().resolve("configuration.md"));
        Set<String> names = new HashSet<>();
        for (ConfigKey<?> k : ConfigKeys.all()) {
            assertTrue(k.name().startsWith("mps."), k.name());
            assertTrue(names.add(k.name()), "listed twice: " + k.name());
            assertEquals(k.defaultValue(), k.parse(String.valueOf(k.defaultValue())), k.name());
            assertTrue(doc.contains("`" + k.name() + "`"), "docs/configuration.md names " + k.name());
        }
        assertEquals(14, names.size(), "the fourteen mps.* properties");
    }

    @Test
    void theShippedKeysRefuseWhatTheTransportCannotUse() {
        assertTrue(refusal(ConfigKeys.HTTP2_MAX_FRAME_SIZE, "16383").startsWith("mps.http2MaxFrameSize must be in"));
        assertTrue(refusal(ConfigKeys.HTTP2_MAX_FRAME_SIZE, "16777216").startsWith("mps.http2MaxFrameSize must be in"));
        assertTrue(refusal(ConfigKeys.SOCKET_READ_BYTES, "1000").startsWith("mps.socketReadBytes must be in"));
        assertTrue(refusal(ConfigKeys.GC_AFTER_INITIALIZE, "on").startsWith("mps.gcAfterInitialize must be"));
        assertTrue(refusal(ConfigKeys.IN_PLACE_ABOVE, "-1").startsWith("mps.inPlaceAbove must be in"));
        assertTrue(refusal(ConfigKeys.SOCKET_SPIN_MICROS, "100001").startsWith("mps.socketSpinMicros must be in"));
        assertEquals("mps.streamIdleMs must be in [100, 2147483647], got 0", refusal(ConfigKeys.STREAM_IDLE_MS, "0"));
    }

    private static String refusal(ConfigKey<?> key, String value) {
        System.setProperty(key.name(), value);
        try {
            return assertThrows(IllegalArgumentException.class, key::get).getMessage();
        } finally {
            System.clearProperty(key.name());
        }
    }

    /** The project's docs folder, found from the module's directory (where the tests run) upwards. */
    private static Path docs() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw")) && Files.isDirectory(p.resolve("docs"))) {
                return p.resolve("docs");
            }
        }
        throw new AssertionError("no docs/ above " + Path.of("").toAbsolutePath());
    }
}
