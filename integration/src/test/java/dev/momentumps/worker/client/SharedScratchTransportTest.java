package dev.momentumps.worker.client;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The shared-memory path of an asynchronous server that takes region pushes through its one shared scratch
 * array (what it does above 4M elements; here from 1000 elements, so the contract's tensors take it).
 */
class SharedScratchTransportTest extends SharedMemoryTransportTest {
    @BeforeAll
    static void lowerTheThreshold() {
        System.setProperty("mps.sharedScratchAbove", "1000");
    }

    @AfterAll
    static void restoreTheThreshold() {
        System.clearProperty("mps.sharedScratchAbove");
    }
}
