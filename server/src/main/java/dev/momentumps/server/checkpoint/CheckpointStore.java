package dev.momentumps.server.checkpoint;

import dev.momentumps.server.core.CoreSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A directory of checkpoints named {@code ckpt-<version>.mps}, newest = highest version. Writes are atomic:
 * the bytes go to a temporary file in the same directory, which is fsynced and then renamed over the final
 * name (and the directory fsynced), so a crash leaves either the old set or the new file complete, never a
 * torn {@code ckpt-*.mps}. Only the newest {@code keep} are kept.
 */
public final class CheckpointStore {
    private static final Pattern NAME = Pattern.compile("ckpt-(\\d{20})\\.mps");
    private final Path dir;
    private final int keep;

    /** What {@link #loadNewestValid} found: the snapshot, its file, and the corrupt files it skipped. */
    public record Loaded(CoreSnapshot snapshot, Path file, List<CorruptCheckpointException> skipped) {
    }

    /** @param keep how many checkpoints to keep, >= 1 */
    public CheckpointStore(Path dir, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("checkpoints to keep must be >= 1, got " + keep);
        }
        this.dir = dir;
        this.keep = keep;
    }

    public Path dir() {
        return dir;
    }

    /** Writes a snapshot atomically, then deletes all but the newest {@code keep}. @return the new file */
    public Path write(CoreSnapshot snapshot) throws IOException {
        Files.createDirectories(dir);
        byte[] bytes = CheckpointFormat.encode(snapshot);
        Path target = dir.resolve(String.format("ckpt-%020d.mps", snapshot.version()));
        Path tmp = Files.createTempFile(dir, ".ckpt-", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        fsyncDirectory();
        prune();
        return target;
    }

    /** The checkpoint files, newest first. */
    public List<Path> list() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).forEach(out::add);
        }
        out.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
        return out;
    }

    /**
     * Reads the newest checkpoint that is intact, telling {@code report} of each corrupt or truncated one it
     * skips. @return null when the directory holds no valid checkpoint
     */
    public Loaded loadNewestValid(Consumer<String> report) throws IOException {
        List<CorruptCheckpointException> skipped = new ArrayList<>();
        for (Path p : list()) {
            try {
                CoreSnapshot s = read(p);
                return new Loaded(s, p, List.copyOf(skipped));
            } catch (CorruptCheckpointException e) {
                skipped.add(e);
                report.accept("skipping corrupt checkpoint " + e.getMessage());
            }
        }
        return null;
    }

    /** Reads and verifies one file. */
    public static CoreSnapshot read(Path file) throws IOException {
        CoreSnapshot s = CheckpointFormat.decode(Files.readAllBytes(file), file);
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (m.matches() && Long.parseLong(m.group(1)) != s.version()) {
            throw new CorruptCheckpointException(file, "holds version " + s.version() + ", its name says "
                    + Long.parseLong(m.group(1)));
        }
        return s;
    }

    private void prune() throws IOException {
        List<Path> all = list();
        for (int i = keep; i < all.size(); i++) {
            Files.deleteIfExists(all.get(i));
        }
    }

    private void fsyncDirectory() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems cannot open a directory for fsync; the rename itself is still atomic
        }
    }
}
