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
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;

/**
 * The same-host fast path's payload: a file both a worker and the server map into memory. It holds
 * {@code n} little-endian float32 gradient values from byte 0 and then {@code n} float32 weights. The
 * worker writes its gradient, sends a small gRPC control message naming the file, the server reads the
 * gradient, applies it and writes the fresh weights back into the second half before it answers: the
 * tensors never pass through a socket. The file lives in {@code /dev/shm} (RAM) when that exists.
 *
 * <p>The server opens only files in {@link #directory()} whose name starts with {@link #PREFIX}, that are
 * regular files (no symbolic links) of exactly {@code 8n} bytes: a client cannot make it write anywhere else.
 */
public final class SharedRegion implements AutoCloseable {

    /** Every region file's name starts with this. */
    public static final String PREFIX = "mps-region-";

    private final Path path;
    private final int numElements;
    private final FloatBuffer gradient;
    private final FloatBuffer weights;
    private final boolean owner;

    private SharedRegion(Path path, int numElements, boolean owner) throws IOException {
        this.path = path;
        this.numElements = numElements;
        this.owner = owner;
        long half = (long) numElements * Float.BYTES;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            if (owner) {
                ch.truncate(0);
                ch.write(java.nio.ByteBuffer.wrap(new byte[1]), 2 * half - 1); // size the file: 2n floats
            }
            MappedByteBuffer g = ch.map(FileChannel.MapMode.READ_WRITE, 0, half);
            MappedByteBuffer w = ch.map(FileChannel.MapMode.READ_WRITE, half, half);
            this.gradient = g.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            this.weights = w.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        }
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

    /** A new region for {@code numElements} floats (the worker's side); {@link #close} deletes the file. */
    public static SharedRegion create(int numElements) {
        if (numElements < 1) {
            throw new IllegalArgumentException("a region needs at least one element, got " + numElements);
        }
        Path p = directory().resolve(PREFIX + ProcessHandle.current().pid() + "-" + UUID.randomUUID());
        try {
            Files.createFile(p);
            return new SharedRegion(p, numElements, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a shared region in " + directory(), e);
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
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                throw refused("path '" + file + "' is not a regular file");
            }
            if (a.size() != numElements * 2 * Float.BYTES) {
                throw refused("'" + file + "' has " + a.size() + " bytes, expected " + numElements * 2 * Float.BYTES
                        + " for num_elements " + numElements);
            }
            return new SharedRegion(p, (int) numElements, false);
        } catch (IOException e) {
            throw refused("cannot map '" + file + "': " + e);
        }
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

    /** The worker's side deletes the file; both sides drop the mapping when it is garbage collected. */
    @Override
    public void close() {
        if (owner) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // best effort: the file is in RAM-backed /dev/shm and its name carries the owner's pid
            }
        }
    }
}
