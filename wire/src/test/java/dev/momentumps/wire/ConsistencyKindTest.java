package dev.momentumps.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConsistencyKindTest {

    @Test
    void theCliNamesAndTheLiteraturesNamesParseToTheSameModel() {
        assertEquals(ConsistencyKind.ASYNCHRONOUS, ConsistencyKind.parse("async"));
        assertEquals(ConsistencyKind.ASYNCHRONOUS, ConsistencyKind.parse("asp"));
        assertEquals(ConsistencyKind.ASYNCHRONOUS, ConsistencyKind.parse("ASP"));
        assertEquals(ConsistencyKind.SYNCHRONOUS, ConsistencyKind.parse("sync"));
        assertEquals(ConsistencyKind.SYNCHRONOUS, ConsistencyKind.parse("bsp"));
        assertEquals(ConsistencyKind.SYNCHRONOUS, ConsistencyKind.parse("BSP"));
        assertEquals(ConsistencyKind.STALE_SYNCHRONOUS, ConsistencyKind.parse("ssp"));
        assertEquals(ConsistencyKind.BACKUP_WORKERS, ConsistencyKind.parse("backup"));
        // an alias parses, but the model keeps one name in every output
        assertEquals("sync", ConsistencyKind.parse("bsp").cliName());
        assertEquals("async", ConsistencyKind.parse("asp").cliName());
    }

    @Test
    void anUnknownNameIsRefusedListingTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConsistencyKind.parse("hogwild"));
        assertTrue(e.getMessage().contains("'hogwild'"), e.getMessage());
        assertTrue(e.getMessage().contains("bsp") && e.getMessage().contains("asp"), e.getMessage());
    }
}
