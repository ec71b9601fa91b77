package dev.momentumps.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

class SharedDirectoryTest {

    @Test
    void theProjectRootIsTheNearestDirectoryWithTheMavenWrapper(@TempDir Path tmp) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("project"));
        Files.writeString(root.resolve("mvnw"), "#!/bin/sh\n");
        Path module = Files.createDirectories(root.resolve("cli/src/test"));
        assertEquals(root, SharedDirectory.projectRoot(module).orElseThrow());
        assertEquals(root, SharedDirectory.projectRoot(root).orElseThrow());
        assertTrue(SharedDirectory.projectRoot(tmp).isEmpty(), "no mvnw at or above " + tmp);
    }

    @Test
    void theDataOfThisBuildIsFoundBesideItsProjectRoot() {
        // Maven runs a module's tests in the module's directory; the project root is one level up
        Path root = SharedDirectory.projectRoot(Path.of("")).orElseThrow();
        assertEquals(root.getParent().resolve("shared").resolve("data"), SharedDirectory.candidates("data").get(0));
    }

    @Test
    void aMissingFileAbortsTheTestNamingThePathsSearched() {
        TestAbortedException e = assertThrows(TestAbortedException.class,
                () -> SharedData.file("no-such-data-set.csv"));
        assertTrue(e.getMessage().contains("no-such-data-set.csv"), e.getMessage());
        for (Path searched : SharedDirectory.candidates("data")) {
            assertTrue(e.getMessage().contains(searched.toString()), e.getMessage());
        }
    }
}
