package dev.momentumps.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibSvmLoaderTest {

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path p = dir.resolve("s.libsvm");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void readsSparseRowsWithZeroBasedColumns() throws IOException {
        SparseDataset d = new LibSvmLoader().load(write("-1 3:1 11:0.5 \n+1 1:2\n\n2 # no features\n"));
        assertEquals(3, d.rows());
        assertEquals(11, d.features());
        assertEquals(-1f, d.label(0));
        assertEquals(1f, d.value(0, 2));
        assertEquals(0.5f, d.value(0, 10));
        assertEquals(0f, d.value(0, 0));
        assertEquals(2f, d.value(1, 0));
        assertEquals(2f, d.label(2), "multi-class labels are kept");
        assertEquals(0, d.nonZeros(2));
        assertTrue(d.isSparse());
    }

    @Test
    void binaryLabelMapping() throws IOException {
        SparseDataset d = new LibSvmLoader().binaryLabels(true).load(write("+1 1:1\n-1 2:1\n0 1:1\n1 1:1\n"));
        assertEquals(1f, d.label(0));
        assertEquals(0f, d.label(1));
        assertEquals(0f, d.label(2));
        assertEquals(1f, d.label(3));
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> new LibSvmLoader().binaryLabels(true).load(write("1 1:1\n3 1:1\n")));
        assertEquals("s.libsvm:2:1: not a binary label (+1/-1/0): '3'", e.getMessage());
    }

    @Test
    void givenFeatureCountAndLineRange() throws IOException {
        Path p = write("1 1:1\n1 2:1\n1 5:1\n");
        SparseDataset train = new LibSvmLoader().lines(LineRange.first(2)).load(p);
        assertEquals(2, train.rows());
        assertEquals(2, train.features());
        SparseDataset test = new LibSvmLoader().features(8).lines(LineRange.from(2)).load(p);
        assertEquals(1, test.rows());
        assertEquals(8, test.features());
        assertEquals(1f, test.value(0, 4));
        DataFormatException e = assertThrows(DataFormatException.class, () -> new LibSvmLoader().features(4).load(p));
        assertEquals("s.libsvm:3:2: index 5 exceeds the 4 features", e.getMessage());
    }

    @Test
    void commentLinesAreNeitherRowsNorCountedInTheRange() throws IOException {
        Path p = write("# header comment\n1 1:1\n  # another\n0 2:1 # trailing\n1 3:1\n");
        SparseDataset d = new LibSvmLoader().lines(LineRange.of(1, 3)).load(p);
        assertEquals(2, d.rows());
        assertEquals(0f, d.label(0));
        assertEquals(1f, d.value(0, 1));
        assertEquals(1f, d.value(1, 2));
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> new LibSvmLoader().load(write("# c\n\n1 1:1\n1 2:z\n")));
        assertEquals("s.libsvm:4:2: not a number: 'z'", e.getMessage());
    }

    @Test
    void malformedTokensNameLineAndColumn() throws IOException {
        assertEquals("s.libsvm:2:3: not a number: 'x'", message("1 1:1\n1 1:1 2:x\n"));
        assertEquals("s.libsvm:1:2: expected index:value, got '7'", message("1 7\n"));
        assertEquals("s.libsvm:1:2: index 0 < 1 (indices start at 1)", message("1 0:1\n"));
        assertEquals("s.libsvm:1:3: index 2 not above the previous index 3", message("1 3:1 2:1\n"));
        assertEquals("s.libsvm:1:2: not an index: 'a:1'", message("1 a:1\n"));
        assertEquals("s.libsvm:1:1: not a number: 'yes'", message("yes 1:1\n"));
    }

    private String message(String text) throws IOException {
        Path p = write(text);
        return assertThrows(DataFormatException.class, () -> new LibSvmLoader().load(p)).getMessage();
    }
}
