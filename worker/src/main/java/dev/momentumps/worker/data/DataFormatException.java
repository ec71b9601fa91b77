package dev.momentumps.worker.data;

/**
 * Malformed input in a data file. The message starts with {@code file:line:column} (both 1-based; the
 * column is the field or token number on the line), e.g. {@code airfoil.dat:17:3: not a number: 'abc'}.
 */
public class DataFormatException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String file;
    private final long line;
    private final int column;

    public DataFormatException(String file, long line, int column, String message) {
        super(file + ":" + line + ":" + column + ": " + message);
        this.file = file;
        this.line = line;
        this.column = column;
    }

    /** The file name as it appears in the message. */
    public String file() {
        return file;
    }

    /** 1-based line number. */
    public long line() {
        return line;
    }

    /** 1-based field or token number on the line. */
    public int column() {
        return column;
    }
}
