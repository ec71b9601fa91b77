package dev.momentumps.worker.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Loads a delimited text file of numbers (CSV, TSV or whitespace separated) into a {@link DenseDataset}:
 * one example per non-blank line, one column holding the label and the others the features in file order.
 * Every line must have the same number of fields. Configure with the fluent setters, then {@link #load}.
 *
 * <pre>{@code
 * DenseDataset airfoil = new CsvLoader().load(Path.of("airfoil_self_noise.dat")); // tab, label last
 * DenseDataset d = new CsvLoader().delimiter(Delimiter.COMMA).header(true).labelColumn(0).load(file);
 * }</pre>
 */
public final class CsvLoader {

    private Delimiter delimiter = Delimiter.AUTO;
    private boolean header;
    private int labelColumn = -1;
    private LineRange lines = LineRange.all();

    /** The field separator; default {@link Delimiter#AUTO}. */
    public CsvLoader delimiter(Delimiter d) {
        this.delimiter = Objects.requireNonNull(d, "delimiter");
        return this;
    }

    /** Whether the first non-blank line is a header to skip; default false. */
    public CsvLoader header(boolean hasHeader) {
        this.header = hasHeader;
        return this;
    }

    /** The 0-based label column; negative counts from the end (default -1, the last column). */
    public CsvLoader labelColumn(int column) {
        this.labelColumn = column;
        return this;
    }

    /** Which data lines to read (after the header); default all. */
    public CsvLoader lines(LineRange range) {
        this.lines = Objects.requireNonNull(range, "lines");
        return this;
    }

    /** Reads the file. @throws DataFormatException naming file, line and field on malformed input */
    public DenseDataset load(Path file) {
        Parser p = new Parser(TextRecords.name(file));
        TextRecords.read(file, header, lines, p::line);
        TextRecords.requireData(p.name, p.labels.size(), lines);
        return new DenseDataset(p.x.toArray(), p.labels.toArray(), p.fields - 1);
    }

    /** Parsing state for one file. */
    private final class Parser {
        final String name;
        final FloatList x = new FloatList();
        final FloatList labels = new FloatList();
        Delimiter resolved;
        int fields = -1;
        int label;

        Parser(String name) {
            this.name = name;
        }

        void line(String text, long lineNumber) {
            if (resolved == null) {
                resolved = delimiter.resolve(text);
            }
            String[] f = resolved.split(text);
            if (fields < 0) {
                fields = f.length;
                if (fields < 2) {
                    throw new DataFormatException(name, lineNumber, 1, "need at least 2 fields (features and a"
                            + " label), found " + fields + " with delimiter " + resolved);
                }
                label = labelColumn < 0 ? fields + labelColumn : labelColumn;
                if (label < 0 || label >= fields) {
                    throw new DataFormatException(name, lineNumber, 1, "label column " + labelColumn
                            + " outside the " + fields + " fields");
                }
            } else if (f.length != fields) {
                throw new DataFormatException(name, lineNumber, Math.min(f.length, fields) + 1, "expected "
                        + fields + " fields, found " + f.length);
            }
            for (int c = 0; c < fields; c++) {
                if (f[c].isEmpty()) {
                    throw new DataFormatException(name, lineNumber, c + 1, "empty field");
                }
                float v = TextRecords.parseFloat(f[c], name, lineNumber, c + 1);
                if (c == label) {
                    labels.add(v);
                } else {
                    x.add(v);
                }
            }
        }
    }
}
