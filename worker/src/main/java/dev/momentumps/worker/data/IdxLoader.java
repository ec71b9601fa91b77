package dev.momentumps.worker.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads images and labels in the IDX format MNIST ships in (optionally gzipped): an images file of unsigned
 * bytes shaped {@code (n, rows, cols)} and a labels file of unsigned bytes shaped {@code (n)}. Pixels become
 * features in [0, 1] (byte / 255), row-major, one example per image; the label is the byte. The labels file
 * is found beside the images file by replacing {@code images-idx3} with {@code labels-idx1} in its name
 * ({@code mnist10k-images-idx3-ubyte.gz} → {@code mnist10k-labels-idx1-ubyte.gz}).
 */
public final class IdxLoader {

    /** The shared 10,000 MNIST digits' images file (in {@code ../shared/data}). */
    public static final String MNIST10K_IMAGES = "mnist10k-images-idx3-ubyte.gz";

    private IdxLoader() {
    }

    /** True when a file's name says it is an IDX images file ({@code *-images-idx3-ubyte[.gz]}). */
    public static boolean isImagesFile(Path file) {
        return file.getFileName().toString().contains("images-idx3");
    }

    /** The labels file beside an images file. */
    public static Path labelsFor(Path images) {
        String name = images.getFileName().toString();
        if (!name.contains("images-idx3")) {
            throw new IllegalArgumentException("--data: " + images + " is not named *images-idx3*, so its labels file "
                    + "cannot be found");
        }
        return images.resolveSibling(name.replace("images-idx3", "labels-idx1"));
    }

    /** The shared MNIST 10k images file, found through {@link SharedDirectory}. */
    public static Path mnist10k() {
        return SharedDirectory.findFile("data", MNIST10K_IMAGES).orElseThrow(() -> new IllegalArgumentException(
                "--data mnist10k: " + MNIST10K_IMAGES + " not found in " + SharedDirectory.candidates("data")));
    }

    /** The images {@code [from, to)} (clamped to the file) with their labels. */
    public static DenseDataset load(Path images, int from, int to) {
        Path labels = labelsFor(images);
        int[] imageShape = new int[3];
        byte[] pixels = read(images, 3, imageShape);
        int[] labelShape = new int[1];
        byte[] labelBytes = read(labels, 1, labelShape);
        int n = imageShape[0];
        if (labelShape[0] != n) {
            throw new IllegalArgumentException(labels + ": " + labelShape[0] + " labels for " + n + " images in " + images);
        }
        int lo = Math.max(0, Math.min(from, n));
        int hi = Math.max(lo, Math.min(to, n));
        int d = imageShape[1] * imageShape[2];
        float[] x = new float[(hi - lo) * d];
        float[] y = new float[hi - lo];
        for (int r = lo; r < hi; r++) {
            int src = r * d;
            int dst = (r - lo) * d;
            for (int j = 0; j < d; j++) {
                x[dst + j] = (pixels[src + j] & 0xff) / 255f;
            }
            y[r - lo] = labelBytes[r] & 0xff;
        }
        return new DenseDataset(x, y, d);
    }

    /** Every image of the file with its label. */
    public static DenseDataset load(Path images) {
        return load(images, 0, Integer.MAX_VALUE);
    }

    private static byte[] read(Path file, int dims, int[] shape) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
            DataInputStream data = new DataInputStream(in);
            int magic = data.readInt();
            if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xff) != 0x08) {
                throw new IllegalArgumentException(file + ": not an IDX file of unsigned bytes (magic 0x"
                        + Integer.toHexString(magic) + ")");
            }
            if ((magic & 0xff) != dims) {
                throw new IllegalArgumentException(file + ": " + (magic & 0xff) + " dimensions, expected " + dims);
            }
            long count = 1;
            for (int i = 0; i < dims; i++) {
                shape[i] = data.readInt();
                if (shape[i] < 0) {
                    throw new IllegalArgumentException(file + ": negative dimension " + shape[i]);
                }
                count *= shape[i];
            }
            if (count > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(file + ": " + count + " elements is too many");
            }
            byte[] body = new byte[(int) count];
            data.readFully(body);
            if (in.read() != -1) {
                throw new IllegalArgumentException(file + ": bytes after the " + count + " elements its header declares");
            }
            return body;
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + ": shorter than its header declares");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
