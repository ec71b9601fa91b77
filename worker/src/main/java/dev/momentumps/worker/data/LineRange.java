package dev.momentumps.worker.data;

/**
 * Which data lines of a file to read: the records {@code [from, to)}, counted from 0 over data lines (not
 * blank, not a {@code #} comment) after the header (if any). The a9a split, for instance, is
 * {@code first(32561)} for training and {@code from(32561)} for testing.
 */
public record LineRange(long from, long to) {

    public LineRange {
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("bad line range [" + from + ", " + to + ")");
        }
    }

    /** Every line. */
    public static LineRange all() {
        return new LineRange(0, Long.MAX_VALUE);
    }

    /** The first {@code n} lines. */
    public static LineRange first(long n) {
        return new LineRange(0, n);
    }

    /** Every line from record {@code from} (0-based) to the end. */
    public static LineRange from(long from) {
        return new LineRange(from, Long.MAX_VALUE);
    }

    /** Records {@code [from, to)}, 0-based. */
    public static LineRange of(long from, long to) {
        return new LineRange(from, to);
    }

    boolean contains(long record) {
        return record >= from && record < to;
    }
}
