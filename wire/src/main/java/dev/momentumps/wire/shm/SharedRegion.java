package dev.momentumps.wire.shm;

import dev.momentumps.wire.RequestException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The same-host fast path's payload: a file both a worker and the server map into memory. It holds
 * {@code n} little-endian float32 gradient values from byte 0 and then {@code n} float32 weights. The
 * worker writes its gradient, sends a small gRPC control message naming the file, the server reads the
 * gradient, applies it and writes the fresh weights back into the second half before it answers: the
 * tensors never pass through a socket. The file lives in {@code /dev/shm} (RAM) when that exists.
 *
 * <p>The server opens only files in {@link #directory()} whose name starts with {@link #PREFIX}, that are
 * regular files (no symbolic links, opened with {@code O_NOFOLLOW}) with exactly one link (a hard link made to
 * another file has two), owned by the server's own user and of exactly {@code 8n} bytes; the file it opened
 * must still be the one it checked (same inode) once open. A client cannot make it read or write any other
 * file.
 *
 * <p>The worker holds an exclusive lock on its region file for as long as it lives (a POSIX record lock,
 * which the kernel releases when the process dies, whatever kills it); the file gets its final name only
 * once locked. {@link #removeStale} deletes the region files of this user that nobody holds locked and whose
 * name's pid is no live process: those of workers that died without closing them. It runs before a worker creates its first region and when a server
 * starts.
 */
public final class SharedRegion implements AutoCloseable {

    /** Every region file's name starts with this. */
    public static final String PREFIX = "mps-region-";

    private final Path path;
    private final int numElements;
    private final FloatBuffer gradient;
    private final FloatBuffer weights;
    private static final AtomicBoolean SWEPT = new AtomicBoolean();
    /** The owner's open channel, holding the lock (null on the server's side). */
    private final FileChannel locked;

    private SharedRegion(Path path, int numElements, FileChannel ch, FileChannel locked) throws IOException {
        this.path = path;
        this.numElements = numElements;
        this.locked = locked;
        long half = (long) numElements * Float.BYTES;
        MappedByteBuffer g = ch.map(FileChannel.MapMode.READ_WRITE, 0, half);
        MappedByteBuffer w = ch.map(FileChannel.MapMode.READ_WRITE, half, half);
        this.gradient = g.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        this.weights = w.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }

    /**
     * This host's identity: the kernel's boot id, which every process on the host (and only there) reads
     * alike. Empty when it cannot be read, which turns the fast path off.
     */
    public static String hostId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Where region files live: {@code /dev/shm} when it is a directory, else the JVM's temp directory. */
    public static Path directory() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /**
     * A new region for {@code numElements} floats (the worker's side), locked by this process until
     * {@link #close}, which deletes the file. The first call in a process removes stale regions first.
     */
    public static SharedRegion create(int numElements) {
        if (numElements < 1) {
            throw new IllegalArgumentException("a region needs at least one element, got " + numElements);
        }
        if (SWEPT.compareAndSet(false, true)) {
            removeStale(m -> System.err.println("momentum-ps: " + m));
        }
        String name = PREFIX + ProcessHandle.current().pid() + "-" + UUID.randomUUID();
        // created and locked under a name no sweeper looks at, then renamed: a region is never unlocked
        Path tmp = directory().resolve("." + name);
        Path p = directory().resolve(name);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            ch.lock();
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]), 2L * numElements * Float.BYTES - 1); // 2n floats
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE);
            return new SharedRegion(p, numElements, ch, ch);
        } catch (IOException e) {
            try {
                if (ch != null) {
                    ch.close();
                }
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the creation failed already; the sweep of a later start removes what is left
            }
            throw new UncheckedIOException("cannot create a shared region in " + directory(), e);
        }
    }

    /**
     * Deletes this user's {@link #PREFIX} files in {@link #directory()} that no live process holds locked
     * (their workers died), telling {@code log} of each. @return how many were removed
     */
    public static int removeStale(Consumer<String> log) {
        Path dir = directory();
        int removed = 0;
        Object me = ownUid();
        String mine = PREFIX + ProcessHandle.current().pid() + "-";
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*")) {
            for (Path p : files) {
                if (p.getFileName().toString().startsWith(mine)) {
                    // this process's own: alive. Opening it here and closing the channel would drop the lock
                    // (POSIX record locks belong to the process, and any close of the file releases them)
                    continue;
                }
                try {
                    Map<String, Object> a = Files.readAttributes(p, "unix:uid,nlink,size,isRegularFile",
                            LinkOption.NOFOLLOW_LINKS);
                    if (!Boolean.TRUE.equals(a.get("isRegularFile")) || me == null || !me.equals(a.get("uid"))) {
                        continue; // not ours to judge
                    }
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                        FileLock lock;
                        try {
                            lock = ch.tryLock();
                        } catch (OverlappingFileLockException thisProcessHoldsIt) {
                            continue;
                        }
                        if (lock == null || ownerAlive(p)) {
                            continue; // a live worker holds it, or its process (by the pid in the name) still runs
                        }
                        Files.deleteIfExists(p);
                        removed++;
                        log.accept("removed the stale shared region " + p + " (" + a.get("size")
                                + " bytes; its worker is gone)");
                    }
                } catch (IOException | RuntimeException e) {
                    // gone meanwhile, or not ours: leave it
                }
            }
        } catch (IOException | RuntimeException e) {
            // no directory to sweep
        }
        return removed;
    }

    /**
     * Whether the pid in a region's name ({@code mps-region-<pid>-<uuid>}) is a live process. The lock decides
     * first; this keeps the region of a live process that did not lock it (an older build) or that runs in
     * another pid namespace but got our pid.
     */
    private static boolean ownerAlive(Path p) {
        String rest = p.getFileName().toString().substring(PREFIX.length());
        int dash = rest.indexOf('-');
        try {
            return dash > 0 && ProcessHandle.of(Long.parseLong(rest.substring(0, dash))).map(ProcessHandle::isAlive)
                    .orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** This process's user id (the owner of /proc/self), or null when it cannot be read. */
    private static Object ownUid() {
        try {
            return Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Maps a worker's region (the server's side), after checking where it is and how big.
     *
     * @throws RequestException FAILED_PRECONDITION naming {@code shared_region} when it cannot be used
     */
    public static SharedRegion open(String file, long numElements) {
        Path p;
        try {
            p = Path.of(file);
        } catch (RuntimeException e) {
            throw refused("path '" + file + "' is not a path");
        }
        Path dir = directory();
        if (!p.isAbsolute() || !dir.equals(p.getParent()) || !p.getFileName().toString().startsWith(PREFIX)) {
            throw refused("path '" + file + "' is not a " + PREFIX + "* file in " + dir + " on the server's host");
        }
        try {
            Object key = checkedKey(p, file, numElements);
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS)) {
                // the file opened is the file checked: same inode, still one link, still the size asked
                if (!key.equals(checkedKey(p, file, numElements)) || ch.size() != numElements * 2 * Float.BYTES) {
                    throw refused("'" + file + "' changed while it was opened");
                }
                return new SharedRegion(p, (int) numElements, ch, null);
            }
        } catch (IOException e) {
            throw refused("cannot map '" + file + "': " + e);
        }
    }

    /** Checks the file's type, links, owner and size (not following links). @return its file key (inode) */
    private static Object checkedKey(Path p, String file, long numElements) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:isRegularFile,nlink,uid,size,fileKey",
                LinkOption.NOFOLLOW_LINKS);
        if (!Boolean.TRUE.equals(a.get("isRegularFile"))) {
            throw refused("path '" + file + "' is not a regular file");
        }
        if (((Number) a.get("nlink")).intValue() != 1) {
            throw refused("'" + file + "' has " + a.get("nlink") + " links: a hard link to another file");
        }
        Object me = ownUid();
        if (me == null || !me.equals(a.get("uid"))) {
            throw refused("'" + file + "' belongs to user " + a.get("uid") + ", not to the server's user " + me);
        }
        long size = ((Number) a.get("size")).longValue();
        if (size != numElements * 2 * Float.BYTES) {
            throw refused("'" + file + "' has " + size + " bytes, expected " + numElements * 2 * Float.BYTES
                    + " for num_elements " + numElements);
        }
        return a.get("fileKey");
    }

    private static RequestException refused(String message) {
        return new RequestException(RequestException.Reason.FAILED_PRECONDITION, "shared_region: " + message);
    }

    public String path() {
        return path.toString();
    }

    public int numElements() {
        return numElements;
    }

    /** The gradient half (position 0, n floats). Callers use absolute bulk get/put. */
    public FloatBuffer gradient() {
        return gradient;
    }

    /** The weights half (position 0, n floats). */
    public FloatBuffer weights() {
        return weights;
    }

    /**
     * The worker's side deletes the file and drops its lock; both sides drop the mapping when it is garbage
     * collected.
     */
    @Override
    public void close() {
        if (locked != null) {
            try {
                Files.deleteIfExists(path);
                locked.close();
            } catch (IOException e) {
                // best effort: a file left behind is unlocked now, and the next start's sweep removes it
            }
        }
    }
}
