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

    @Test
    void refusesAHardLinkAndTheFileItLinksTo() throws Exception {
        try (SharedRegion r = SharedRegion.create(4)) {
            Path link = SharedRegion.directory().resolve(SharedRegion.PREFIX + "hardlink-" + ProcessHandle.current().pid());
            Files.deleteIfExists(link);
            Files.createLink(link, Path.of(r.path()));
            try {
                assertRefused(link.toString(), 4, "has 2 links");
                assertRefused(r.path(), 4, "has 2 links");
            } finally {
                Files.deleteIfExists(link);
            }
            SharedRegion.open(r.path(), 4); // one link again
        }
    }

    @Test
    void refusesAFileOfAnotherUser() throws Exception {
        try (SharedRegion r = SharedRegion.create(4)) {
            Object me = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            int other = (Integer) me == 65534 ? 65533 : 65534;
            try {
                Files.setAttribute(Path.of(r.path()), "unix:uid", other);
            } catch (java.io.IOException notRoot) {
                org.junit.jupiter.api.Assumptions.abort("only root can give a file to another user: " + notRoot);
            }
            assertRefused(r.path(), 4, "belongs to user " + other);
        }
    }

    /** Run in a child JVM: creates a region of {@code args[0]} floats, prints its path, then waits to be killed. */
    public static void main(String[] args) throws Exception {
        SharedRegion r = SharedRegion.create(Integer.parseInt(args[0]));
        System.out.println(r.path());
        System.out.flush();
        Thread.sleep(600_000);
    }

    @Test
    void theRegionOfAWorkerKilledWithSigkillIsRemovedByTheNextSweepAndALiveOneIsNot() throws Exception {
        Process child = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                System.getProperty("java.class.path"), SharedRegionTest.class.getName(), "1000")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            Path region = Path.of(new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()))
                    .readLine());
            assertTrue(Files.exists(region));
            java.util.List<String> log = new java.util.ArrayList<>();
            SharedRegion.removeStale(log::add);
            assertTrue(Files.exists(region), "a live worker's region stays: " + log);
            try (SharedRegion mine = SharedRegion.create(3)) {
                child.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no close()
                assertTrue(Files.exists(region), "the dead worker left its region behind");
                SharedRegion.removeStale(log::add);
                assertFalse(Files.exists(region), "the sweep removes it: " + log);
                assertTrue(log.stream().anyMatch(l -> l.contains(region.toString()) && l.contains("8000 bytes")),
                        log.toString());
                assertTrue(Files.exists(Path.of(mine.path())), "this process's own region stays");
            }
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    private static void assertRefused(String path, long n, String fragment) {
        RequestException e = assertThrows(RequestException.class, () -> SharedRegion.open(path, n));
        assertEquals(RequestException.Reason.FAILED_PRECONDITION, e.reason());
        assertTrue(e.getMessage().startsWith("shared_region: "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
