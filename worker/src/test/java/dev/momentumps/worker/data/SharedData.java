package dev.momentumps.worker.data;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Locates the shared reference data sets (never copied into the repo); skips the test when absent. */
public final class SharedData {

    private SharedData() {
    }

    /** The directory from {@code mps.data.dir}, else {@code /work/shared/data}. */
    public static Path dir() {
        String prop = System.getProperty("mps.data.dir");
        Path p = prop != null && !prop.isBlank() ? Path.of(prop) : Path.of("/work/shared/data");
        return Files.isDirectory(p) ? p : Path.of("/work/shared/data");
    }

    /** The named file, or an aborted (skipped) test when it is not there. */
    public static Path file(String name) {
        Path p = dir().resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(p), "shared data file absent: " + p);
        return p;
    }
}
