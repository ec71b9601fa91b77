package dev.momentumps.worker.data;

/**
 * Examples stored as a row-major {@code n×d} float matrix plus one label per row. Slices share the arrays.
 * Immutable once built (the arrays passed in are not copied: do not modify them afterwards).
 */
public final class DenseDataset extends LabeledRows {

    private final float[] x;

    /**
     * @param x        row-major values, {@code labels.length × features} of them
     * @param labels   one per row
     * @param features columns per row (0 is allowed: rows without features, e.g. for the quadratic model)
     */
    public DenseDataset(float[] x, float[] labels, int features) {
        this(x, labels, features, 0, checkedRows(x, labels, features));
    }

    private DenseDataset(float[] x, float[] labels, int features, int firstRow, int rows) {
        super(labels, features, firstRow, rows);
        this.x = x;
    }

    private static int checkedRows(float[] x, float[] labels, int features) {
        if ((long) labels.length * features != x.length) {
            throw new IllegalArgumentException("x has " + x.length + " values, expected " + labels.length
                    + " rows × " + features + " features = " + (long) labels.length * features);
        }
        return labels.length;
    }

    /** {@code n} rows with no features and label 0: a placeholder for models that ignore the data. */
    public static DenseDataset featureless(int n) {
        return new DenseDataset(new float[0], new float[n], 0);
    }

    @Override
    public double dot(int r, float[] w, int offset) {
        int base = (firstRow + r) * features;
        double s = 0;
        for (int j = 0; j < features; j++) {
            s += (double) x[base + j] * w[offset + j];
        }
        return s;
    }

    @Override
    public void addScaledRow(int r, float alpha, float[] g, int offset) {
        int base = (firstRow + r) * features;
        for (int j = 0; j < features; j++) {
            g[offset + j] += alpha * x[base + j];
        }
    }

    @Override
    public float value(int r, int j) {
        return x[(firstRow + r) * features + j];
    }

    @Override
    public boolean isSparse() {
        return false;
    }

    @Override
    public DenseDataset slice(int from, int to) {
        checkSlice(from, to);
        return new DenseDataset(x, labels, features, firstRow + from, to - from);
    }
}
