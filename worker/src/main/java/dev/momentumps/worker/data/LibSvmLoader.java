package dev.momentumps.worker.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Loads LibSVM text ({@code label idx:val idx:val ...}, indices from 1 and strictly increasing on a line,
 * anything after {@code #} ignored) into a {@link SparseDataset} with 0-based columns.
 *
 * <p>The feature count is the largest index seen unless given with {@link #features(int)}; give it when
 * reading a test split so that it matches the training split (a9a: 123). With {@link #binaryLabels(boolean)}
 * the labels +1/1 become 1 and −1/0 become 0 (anything else is an error); otherwise labels are kept as
 * written (multi-class labels included).
 */
public final class LibSvmLoader {

    private int features;
    private boolean binaryLabels;
    private LineRange lines = LineRange.all();

    /** The number of features; 0 (the default) means the largest index in the lines read. */
    public LibSvmLoader features(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("features must be >= 0, got " + count);
        }
        this.features = count;
        return this;
    }

    /** Map labels +1/−1 to 1/0 for binary tasks; default false. */
    public LibSvmLoader binaryLabels(boolean map) {
        this.binaryLabels = map;
        return this;
    }

    /** Which lines to read; default all. */
    public LibSvmLoader lines(LineRange range) {
        this.lines = Objects.requireNonNull(range, "lines");
        return this;
    }

    /** Reads the file. @throws DataFormatException naming file, line and token on malformed input */
    public SparseDataset load(Path file) {
        Parser p = new Parser(TextRecords.name(file));
        TextRecords.read(file, false, lines, p::line);
        TextRecords.requireData(p.name, p.labels.size(), lines);
        int[] rowPtr = Arrays.copyOf(p.rowPtr, p.labels.size() + 1);
        int[] cols = Arrays.copyOf(p.cols, p.vals.size());
        return new SparseDataset(rowPtr, cols, p.vals.toArray(), p.labels.toArray(),
                features > 0 ? features : p.maxIndex);
    }

    /** Parsing state for one file. */
    private final class Parser {
        final String name;
        final FloatList labels = new FloatList();
        final FloatList vals = new FloatList();
        int[] cols = new int[4096];
        int[] rowPtr = new int[1024];
        int maxIndex;

        Parser(String name) {
            this.name = name;
        }

        void line(String raw, long lineNumber) {
            int hash = raw.indexOf('#');
            String text = hash >= 0 ? raw.substring(0, hash) : raw;
            String[] tokens = Delimiter.WHITESPACE.split(text);
            if (tokens.length == 0 || tokens[0].isEmpty()) {
                return;
            }
            labels.add(label(tokens[0], lineNumber));
            int previous = 0;
            for (int t = 1; t < tokens.length; t++) {
                int index = parseIndex(tokens[t], lineNumber, t + 1, previous);
                float v = TextRecords.parseFloat(tokens[t].substring(tokens[t].indexOf(':') + 1), name,
                        lineNumber, t + 1);
                previous = index;
                maxIndex = Math.max(maxIndex, index);
                if (cols.length == vals.size()) {
                    cols = Arrays.copyOf(cols, cols.length * 2);
                }
                cols[vals.size()] = index - 1;
                vals.add(v);
            }
            if (rowPtr.length <= labels.size()) {
                rowPtr = Arrays.copyOf(rowPtr, rowPtr.length * 2);
            }
            rowPtr[labels.size()] = vals.size();
        }

        private float label(String token, long lineNumber) {
            float y = TextRecords.parseFloat(token, name, lineNumber, 1);
            if (!binaryLabels) {
                return y;
            }
            if (y == 1f) {
                return 1f;
            }
            if (y == -1f || y == 0f) {
                return 0f;
            }
            throw new DataFormatException(name, lineNumber, 1, "not a binary label (+1/-1/0): '" + token + "'");
        }

        private int parseIndex(String token, long lineNumber, int column, int previous) {
            int colon = token.indexOf(':');
            if (colon <= 0) {
                throw new DataFormatException(name, lineNumber, column, "expected index:value, got '" + token + "'");
            }
            int index;
            try {
                index = Integer.parseInt(token, 0, colon, 10);
            } catch (NumberFormatException e) {
                throw new DataFormatException(name, lineNumber, column, "not an index: '" + token + "'");
            }
            if (index < 1) {
                throw new DataFormatException(name, lineNumber, column, "index " + index + " < 1 (indices start at 1)");
            }
            if (index <= previous) {
                throw new DataFormatException(name, lineNumber, column, "index " + index
                        + " not above the previous index " + previous);
            }
            if (features > 0 && index > features) {
                throw new DataFormatException(name, lineNumber, column, "index " + index + " exceeds the "
                        + features + " features");
            }
            return index;
        }
    }
}
