package dev.momentumps.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxLoaderTest {

    @TempDir
    Path dir;

    private static byte[] idx(int dims, int[] shape, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims + body.length);
        b.putInt(0x0800 | dims);
        for (int d : shape) {
            b.putInt(d);
        }
        b.put(body);
        return b.array();
    }

    private static void write(Path file, byte[] bytes, boolean gzip) throws IOException {
        if (!gzip) {
            Files.write(file, bytes);
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(out)) {
            z.write(bytes);
        }
        Files.write(file, out.toByteArray());
    }

    /** Three 2×2 images with pixels 0, 51, 255, ... and labels 7, 0, 9. */
    private Path threeImages(String images, String labels, boolean gzip) throws IOException {
        byte[] pixels = {0, 51, (byte) 255, 102, 1, 2, 3, 4, 5, 6, 7, (byte) 128};
        write(dir.resolve(images), idx(3, new int[] {3, 2, 2}, pixels), gzip);
        write(dir.resolve(labels), idx(1, new int[] {3}, new byte[] {7, 0, 9}), gzip);
        return dir.resolve(images);
    }

    @Test
    void readsGzippedAndPlainImagesScaledToTheUnitInterval() throws IOException {
        for (boolean gzip : new boolean[] {true, false}) {
            String suffix = gzip ? ".gz" : "";
            Path images = threeImages("t-images-idx3-ubyte" + suffix, "t-labels-idx1-ubyte" + suffix, gzip);
            DenseDataset d = IdxLoader.load(images);
            assertEquals(3, d.rows());
            assertEquals(4, d.features());
            assertEquals(0f, d.value(0, 0));
            assertEquals(0.2f, d.value(0, 1), 1e-7);
            assertEquals(1f, d.value(0, 2));
            assertEquals(128 / 255f, d.value(2, 3));
            assertEquals(7f, d.label(0));
            assertEquals(9f, d.label(2));
            DenseDataset tail = IdxLoader.load(images, 1, 10);
            assertEquals(2, tail.rows());
            assertEquals(0f, tail.label(0));
            assertEquals(1 / 255f, tail.value(0, 0));
        }
    }

    @Test
    void refusesMalformedFilesNamingThem() throws IOException {
        Path images = threeImages("a-images-idx3-ubyte", "a-labels-idx1-ubyte", false);
        Files.write(dir.resolve("a-labels-idx1-ubyte"), idx(1, new int[] {2}, new byte[] {1, 2}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IdxLoader.load(images));
        assertTrue(e.getMessage().contains("2 labels for 3 images"), e.getMessage());

        Files.write(dir.resolve("b-images-idx3-ubyte"), new byte[] {0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 2, 1});
        Files.write(dir.resolve("b-labels-idx1-ubyte"), idx(1, new int[] {5}, new byte[5]));
        e = assertThrows(IllegalArgumentException.class, () -> IdxLoader.load(dir.resolve("b-images-idx3-ubyte")));
        assertTrue(e.getMessage().contains("shorter than its header"), e.getMessage());

        Files.write(dir.resolve("c-images-idx3-ubyte"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        e = assertThrows(IllegalArgumentException.class, () -> IdxLoader.load(dir.resolve("c-images-idx3-ubyte")));
        assertTrue(e.getMessage().contains("c-images-idx3-ubyte: not an IDX file"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> IdxLoader.labelsFor(dir.resolve("digits.gz")));
        assertTrue(e.getMessage().startsWith("--data"), e.getMessage());
    }

    @Test
    void sharedMnist10k() {
        Path images = SharedData.file(IdxLoader.MNIST10K_IMAGES);
        DenseDataset d = IdxLoader.load(images);
        assertEquals(10_000, d.rows());
        assertEquals(784, d.features());
        int[] counts = new int[10];
        float max = 0;
        for (int r = 0; r < d.rows(); r++) {
            counts[(int) d.label(r)]++;
            for (int j = 0; j < 784; j += 7) {
                max = Math.max(max, d.value(r, j));
            }
        }
        assertEquals(1f, max);
        for (int c = 0; c < 10; c++) {
            assertTrue(counts[c] > 800 && counts[c] < 1200, "digit " + c + ": " + counts[c]);
        }
    }
}
