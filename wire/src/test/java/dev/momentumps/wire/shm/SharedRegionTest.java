package dev.momentumps.wire.shm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.wire.RequestException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The server maps only a worker's own region files, of the right size; both sides see the same floats. */
class SharedRegionTest {

    @Test
    void bothSidesSeeTheSameFloats() {
        try (SharedRegion worker = SharedRegion.create(5)) {
            worker.gradient().put(0, new float[] {1, 2, 3, 4, 5}, 0, 5);
            SharedRegion server = SharedRegion.open(worker.path(), 5);
            float[] g = new float[5];
            server.gradient().get(0, g, 0, 5);
            assertArrayEquals(new float[] {1, 2, 3, 4, 5}, g);
            server.weights().put(0, new float[] {-1, -2, -3, -4, -5}, 0, 5);
            float[] w = new float[5];
            worker.weights().get(0, w, 0, 5);
            assertArrayEquals(new float[] {-1, -2, -3, -4, -5}, w);
            assertTrue(Files.exists(Path.of(worker.path())));
        }
    }

    @Test
    void closingTheWorkersSideDeletesTheFile() {
        SharedRegion r = SharedRegion.create(3);
        r.close();
        assertFalse(Files.exists(Path.of(r.path())));
    }

    @Test
    void refusesFilesOutsideTheRegionDirectoryOrWithAnotherName() throws Exception {
        Path elsewhere = Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")).resolve("."), "x", ".bin");
        try {
            assertRefused(elsewhere.toString(), 1, "is not a " + SharedRegion.PREFIX);
        } finally {
            Files.deleteIfExists(elsewhere);
        }
        assertRefused(SharedRegion.directory().resolve("passwd").toString(), 1, "is not a " + SharedRegion.PREFIX);
        assertRefused("relative/" + SharedRegion.PREFIX + "x", 1, "is not a " + SharedRegion.PREFIX);
    }

    @Test
    void refusesAWrongSizeAndSymbolicLinks() throws Exception {
        try (SharedRegion r = SharedRegion.create(4)) {
            assertRefused(r.path(), 5, "expected 40");
            Path link = SharedRegion.directory().resolve(SharedRegion.PREFIX + "link-" + ProcessHandle.current().pid());
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, Path.of(r.path()));
            try {
                assertRefused(link.toString(), 4, "not a regular file");
            } finally {
                Files.deleteIfExists(link);
            }
        }
    }

    private static void assertRefused(String path, long n, String fragment) {
        RequestException e = assertThrows(RequestException.class, () -> SharedRegion.open(path, n));
        assertEquals(RequestException.Reason.FAILED_PRECONDITION, e.reason());
        assertTrue(e.getMessage().startsWith("shared_region: "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
