package dev.momentumps.worker.data;

/** What the dense and sparse datasets share: one label per row, a feature count, and a window of rows. */
abstract class LabeledRows implements Dataset {

    /** Labels of the whole backing storage; this dataset sees {@code [firstRow, firstRow + rows)}. */
    final float[] labels;
    final int features;
    final int firstRow;
    final int rows;

    LabeledRows(float[] labels, int features, int firstRow, int rows) {
        if (features < 0) {
            throw new IllegalArgumentException("features must be >= 0, got " + features);
        }
        this.labels = labels;
        this.features = features;
        this.firstRow = firstRow;
        this.rows = rows;
    }

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int features() {
        return features;
    }

    @Override
    public final float label(int r) {
        return labels[firstRow + r];
    }

    /** Checks a slice {@code [from, to)} of this dataset's rows. */
    final void checkSlice(int from, int to) {
        if (from < 0 || to > rows || from > to) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of " + rows + " rows");
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + rows + "×" + features + "]";
    }
}
