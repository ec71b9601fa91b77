package dev.momentumps.worker.data;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * The shared reference data sets for tests: {@code ../shared/data} beside the project root, never copied into
 * the project ({@link SharedDirectory}). Other modules' tests use this class through the worker's test jar.
 */
public final class SharedData {

    private SharedData() {
    }

    /**
     * The named data file. When it is missing, the test is aborted (reported as skipped, never passed) with a
     * message naming every path searched, and the same line goes to stderr.
     */
    public static Path file(String name) {
        Optional<Path> p = SharedDirectory.findFile("data", name);
        if (p.isEmpty()) {
            String message = "shared data file " + name + " not found, test not run; searched "
                    + SharedDirectory.candidates("data");
            System.err.println("SKIPPED: " + message);
            Assumptions.abort(message);
        }
        return p.get();
    }
}
