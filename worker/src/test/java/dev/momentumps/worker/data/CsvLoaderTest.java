package dev.momentumps.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvLoaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private static void assertRow(Dataset d, int r, float label, float... x) {
        assertEquals(x.length, d.features());
        for (int j = 0; j < x.length; j++) {
            assertEquals(x[j], d.value(r, j), "x[" + r + "," + j + "]");
        }
        assertEquals(label, d.label(r), "label of row " + r);
    }

    @Test
    void commaWithHeaderLabelLast() throws IOException {
        Path p = write("a.csv", "f1,f2,y\n1,2,3\n4, 5 ,6\n\n");
        DenseDataset d = new CsvLoader().header(true).load(p);
        assertEquals(2, d.rows());
        assertRow(d, 0, 3, 1, 2);
        assertRow(d, 1, 6, 4, 5);
    }

    @Test
    void commaWithoutHeaderLabelFirst() throws IOException {
        DenseDataset d = new CsvLoader().labelColumn(0).load(write("b.csv", "9,1,2\n8,3,4\n"));
        assertRow(d, 0, 9, 1, 2);
        assertRow(d, 1, 8, 3, 4);
    }

    @Test
    void negativeLabelColumnCountsFromTheEnd() throws IOException {
        DenseDataset d = new CsvLoader().labelColumn(-2).load(write("c.csv", "1,2,3\n"));
        assertRow(d, 0, 2, 1, 3);
    }

    @Test
    void tabSeparatedAutoDetected() throws IOException {
        DenseDataset d = new CsvLoader().load(write("t.tsv", "800\t0\t0.3048\t126.201\r\n1000\t0\t0.5\t125.5\n"));
        assertRow(d, 0, 126.201f, 800, 0, 0.3048f);
        assertRow(d, 1, 125.5f, 1000, 0, 0.5f);
    }

    @Test
    void whitespaceRuns() throws IOException {
        DenseDataset d = new CsvLoader().load(write("w.txt", "  1   2\t 3\n4 5    6  \n"));
        assertRow(d, 0, 3, 1, 2);
        assertRow(d, 1, 6, 4, 5);
    }

    @Test
    void explicitDelimiterOverridesDetection() throws IOException {
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> new CsvLoader().delimiter(Delimiter.WHITESPACE).load(write("x.csv", "1,2,3\n")));
        assertTrue(e.getMessage().startsWith("x.csv:1:1: need at least 2 fields"), e.getMessage());
    }

    @Test
    void lineRangeAfterHeader() throws IOException {
        Path p = write("r.csv", "h1,h2\n1,10\n2,20\n3,30\n4,40\n");
        DenseDataset first = new CsvLoader().header(true).lines(LineRange.first(2)).load(p);
        assertEquals(2, first.rows());
        assertRow(first, 1, 20, 2);
        DenseDataset rest = new CsvLoader().header(true).lines(LineRange.from(2)).load(p);
        assertEquals(2, rest.rows());
        assertRow(rest, 0, 30, 3);
        DenseDataset mid = new CsvLoader().header(true).lines(LineRange.of(1, 3)).load(p);
        assertRow(mid, 0, 20, 2);
        assertRow(mid, 1, 30, 3);
    }

    @Test
    void notANumberNamesFileLineAndColumn() throws IOException {
        Path p = write("airfoil.dat", "1\t2\t3\n4\t5\tabc\n");
        DataFormatException e = assertThrows(DataFormatException.class, () -> new CsvLoader().load(p));
        assertEquals("airfoil.dat:2:3: not a number: 'abc'", e.getMessage());
        assertEquals(2, e.line());
        assertEquals(3, e.column());
    }

    @Test
    void lineNumbersCountHeaderAndBlankLines() throws IOException {
        Path p = write("h.csv", "a,b\n\n1,2\n3,x\n");
        DataFormatException e = assertThrows(DataFormatException.class, () -> new CsvLoader().header(true).load(p));
        assertEquals("h.csv:4:2: not a number: 'x'", e.getMessage());
    }

    @Test
    void raggedRowsAndEmptyFieldsAreErrors() throws IOException {
        DataFormatException ragged = assertThrows(DataFormatException.class,
                () -> new CsvLoader().load(write("g.csv", "1,2,3\n4,5\n")));
        assertEquals("g.csv:2:3: expected 3 fields, found 2", ragged.getMessage());
        DataFormatException empty = assertThrows(DataFormatException.class,
                () -> new CsvLoader().load(write("e.csv", "1,,3\n")));
        assertEquals("e.csv:1:2: empty field", empty.getMessage());
    }

    @Test
    void badLabelColumnAndEmptyFile() throws IOException {
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> new CsvLoader().labelColumn(5).load(write("l.csv", "1,2\n")));
        assertTrue(e.getMessage().contains("label column 5"), e.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> new CsvLoader().load(write("n.csv", "\n\n")));
        assertEquals("n.csv: no data lines", none.getMessage());
    }
}
