package dev.momentumps.server.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file that cannot be trusted: wrong magic or format version, truncated, or a checksum mismatch. */
public final class CorruptCheckpointException extends IOException {
    private final Path file;

    public CorruptCheckpointException(Path file, String why) {
        super(file + ": " + why);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
