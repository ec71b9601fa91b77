package dev.momentumps.server.checkpoint;

import dev.momentumps.server.core.CoreSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A directory of checkpoints named {@code ckpt-<version>.mps} (the version in 20 digits), newest = highest
 * version. Writes are atomic: the bytes go to a temporary file in the same directory, which is fsynced and
 * then renamed over the final name (and the directory fsynced), so a crash leaves either the old set or the
 * new file complete, never a torn {@code ckpt-*.mps}.
 *
 * <p>The directory's file names are not trusted. A name whose number is not a version (beyond the range of a
 * {@code long}) is ignored with a warning. A file is read only after its size and header agree (a file larger
 * than {@link #MAX_FILE_BYTES}, or whose header does not describe its length, is refused before any of it is
 * read). Pruning keeps the newest {@code keep} checkpoints it has <em>validated</em> (written by this store, or
 * read and checked once) and deletes only older validated ones: a file that is not a valid checkpoint is
 * never counted as one of the {@code keep} and never deleted, only reported once.
 */
public final class CheckpointStore {
    private static final Pattern NAME = Pattern.compile("ckpt-(\\d{20})\\.mps");
    /** The largest file this build reads: {@link CheckpointFormat#encode} builds a file in one array. */
    public static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 64;
    private final Path dir;
    private final int keep;
    private final Consumer<String> warn;
    /** Files known to be valid checkpoints, with the size and modification time they had when checked. */
    private final Map<Path, Stamp> validated = new HashMap<>();
    /** Files reported as not ours, each reported once. */
    private final Set<Path> warned = new HashSet<>();

    private record Stamp(long size, FileTime modified) {
    }

    /** One checkpoint file and the version its name says. */
    public record Entry(Path file, long version) {
    }

    /** What {@link #loadNewestValid} found: the snapshot, its file, and the corrupt files it skipped. */
    public record Loaded(CoreSnapshot snapshot, Path file, List<CorruptCheckpointException> skipped) {
    }

    /** @param keep how many checkpoints to keep, >= 1; warnings are dropped */
    public CheckpointStore(Path dir, int keep) {
        this(dir, keep, m -> { });
    }

    /**
     * @param keep how many checkpoints to keep, >= 1
     * @param warn told (once per file) of files named like checkpoints that are not valid ones
     */
    public CheckpointStore(Path dir, int keep, Consumer<String> warn) {
        if (keep < 1) {
            throw new IllegalArgumentException("checkpoints to keep must be >= 1, got " + keep);
        }
        this.dir = dir;
        this.keep = keep;
        this.warn = warn;
    }

    public Path dir() {
        return dir;
    }

    /** Writes a snapshot atomically, then prunes to the newest {@code keep} valid ones. @return the new file */
    public Path write(CoreSnapshot snapshot) throws IOException {
        Files.createDirectories(dir);
        byte[] bytes = CheckpointFormat.encode(snapshot);
        Path target = dir.resolve(fileName(snapshot.version()));
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
        synchronized (this) {
            validated.put(target, stamp(target));
        }
        prune();
        return target;
    }

    /** The name of version {@code v}'s checkpoint. */
    static String fileName(long version) {
        return String.format("ckpt-%020d.mps", version);
    }

    /** The checkpoint files, newest first (names whose number is no version are reported and left out). */
    public List<Path> list() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Entry e : entries()) {
            out.add(e.file());
        }
        return out;
    }

    /** The checkpoint files with their versions, highest version first. */
    public List<Entry> entries() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                long v = version(m.group(1));
                if (v < 0) {
                    warnOnce(p, "ignoring " + p + ": named like a checkpoint, but " + m.group(1)
                            + " is no version (at most " + Long.MAX_VALUE + ")");
                } else {
                    out.add(new Entry(p, v));
                }
            }
        }
        out.sort((a, b) -> Long.compare(b.version(), a.version()));
        return out;
    }

    /** The number as a version, or -1 when it is beyond a long. */
    private static long version(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Reads the newest checkpoint that is intact, telling {@code report} of each corrupt, truncated or foreign
     * one it skips. @return null when the directory holds no valid checkpoint
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

    /**
     * Reads and verifies one file: its size and header are checked before the rest is read, so a huge or
     * foreign file is refused without reading it.
     */
    public static CoreSnapshot read(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile()) {
            throw new CorruptCheckpointException(file, "not a regular file");
        }
        checkHeader(file, a.size());
        CoreSnapshot s = CheckpointFormat.decode(Files.readAllBytes(file), file);
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (m.matches() && version(m.group(1)) != s.version()) {
            throw new CorruptCheckpointException(file, "holds version " + s.version() + ", its name says "
                    + m.group(1));
        }
        return s;
    }

    /** Refuses a file too large for this build, or whose header is not ours or does not match its size. */
    private static void checkHeader(Path file, long size) throws IOException {
        if (size > MAX_FILE_BYTES) {
            throw new CorruptCheckpointException(file, size + " bytes, larger than any checkpoint ("
                    + MAX_FILE_BYTES + " bytes at most)");
        }
        long heap = Runtime.getRuntime().maxMemory();
        if (size > heap / 2) {
            // reading needs the file's bytes and the decoded vectors at once
            throw new CorruptCheckpointException(file, size + " bytes, more than this JVM's heap can read ("
                    + heap / (1 << 20) + " MiB at most, -Xmx)");
        }
        ByteBuffer h = ByteBuffer.allocate(CheckpointFormat.HEADER_BYTES);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (h.hasRemaining() && ch.read(h) >= 0) {
                // read the whole header (a file shorter than one fails the size check)
            }
        }
        h.flip();
        CheckpointFormat.checkHeader(h, size, file);
    }

    /**
     * Keeps the newest {@code keep} validated checkpoints and deletes older validated ones. Files not yet
     * validated are read and checked once (their size and modification time are remembered); files that fail
     * are reported once and left alone.
     */
    private synchronized void prune() throws IOException {
        int kept = 0;
        for (Entry e : entries()) {
            if (!isValid(e.file())) {
                continue;
            }
            if (kept < keep) {
                kept++;
            } else {
                Files.deleteIfExists(e.file());
                validated.remove(e.file());
            }
        }
    }

    private boolean isValid(Path p) throws IOException {
        Stamp now;
        try {
            now = stamp(p);
        } catch (IOException gone) {
            return false;
        }
        if (now.equals(validated.get(p))) {
            return true;
        }
        try {
            read(p);
            validated.put(p, now);
            return true;
        } catch (CorruptCheckpointException e) {
            validated.remove(p);
            warnOnce(p, "ignoring " + e.getMessage() + " (not counted as a checkpoint, not deleted)");
            return false;
        }
    }

    private static Stamp stamp(Path p) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return new Stamp(a.size(), a.lastModifiedTime());
    }

    private synchronized void warnOnce(Path p, String message) {
        if (warned.add(p)) {
            warn.accept(message);
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
