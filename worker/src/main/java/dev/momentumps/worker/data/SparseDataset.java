package dev.momentumps.worker.data;

/**
 * Examples stored in compressed sparse rows (CSR): row {@code r}'s non-zeros are
 * {@code cols[k], vals[k]} for {@code k} in {@code [rowPtr[r], rowPtr[r+1])}, columns strictly increasing
 * within a row. Slices share the arrays. The arrays passed in are not copied: do not modify them afterwards.
 */
public final class SparseDataset extends LabeledRows {

    private final int[] rowPtr;
    private final int[] cols;
    private final float[] vals;

    /**
     * @param rowPtr   {@code rows + 1} offsets into cols/vals, non-decreasing, starting at 0
     * @param cols     0-based column indices, strictly increasing within a row, each below {@code features}
     * @param vals     the values, parallel to cols
     * @param labels   one per row
     * @param features number of columns
     */
    public SparseDataset(int[] rowPtr, int[] cols, float[] vals, float[] labels, int features) {
        this(rowPtr, cols, vals, labels, features, 0, labels.length);
        validate();
    }

    private SparseDataset(int[] rowPtr, int[] cols, float[] vals, float[] labels, int features, int firstRow,
            int rows) {
        super(labels, features, firstRow, rows);
        this.rowPtr = rowPtr;
        this.cols = cols;
        this.vals = vals;
    }

    private void validate() {
        if (rowPtr.length != labels.length + 1 || rowPtr[0] != 0) {
            throw new IllegalArgumentException("rowPtr must have rows + 1 = " + (labels.length + 1)
                    + " entries starting at 0, got " + rowPtr.length);
        }
        if (cols.length != vals.length || rowPtr[labels.length] != cols.length) {
            throw new IllegalArgumentException("cols (" + cols.length + "), vals (" + vals.length
                    + ") and rowPtr[rows] (" + rowPtr[labels.length] + ") must agree");
        }
        for (int r = 0; r < labels.length; r++) {
            if (rowPtr[r + 1] < rowPtr[r]) {
                throw new IllegalArgumentException("rowPtr decreases at row " + r);
            }
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                if (cols[k] < 0 || cols[k] >= features) {
                    throw new IllegalArgumentException("row " + r + ": column " + cols[k] + " outside 0.."
                            + (features - 1));
                }
                if (k > rowPtr[r] && cols[k] <= cols[k - 1]) {
                    throw new IllegalArgumentException("row " + r + ": columns not strictly increasing at "
                            + cols[k]);
                }
            }
        }
    }

    @Override
    public double dot(int r, float[] w, int offset) {
        int end = rowPtr[firstRow + r + 1];
        double s = 0;
        for (int k = rowPtr[firstRow + r]; k < end; k++) {
            s += (double) vals[k] * w[offset + cols[k]];
        }
        return s;
    }

    @Override
    public void addScaledRow(int r, float alpha, float[] g, int offset) {
        int end = rowPtr[firstRow + r + 1];
        for (int k = rowPtr[firstRow + r]; k < end; k++) {
            g[offset + cols[k]] += alpha * vals[k];
        }
    }

    @Override
    public float value(int r, int j) {
        int lo = rowPtr[firstRow + r];
        int hi = rowPtr[firstRow + r + 1] - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (cols[mid] < j) {
                lo = mid + 1;
            } else if (cols[mid] > j) {
                hi = mid - 1;
            } else {
                return vals[mid];
            }
        }
        return 0f;
    }

    /**
     * Adds row {@code r}'s stored columns (plus {@code offset}) not yet marked to {@code out} from position
     * {@code n}, marking them; returns the new count. Builds the union of a minibatch's columns.
     */
    public int markColumns(int r, boolean[] mark, int offset, int[] out, int n) {
        int end = rowPtr[firstRow + r + 1];
        for (int k = rowPtr[firstRow + r]; k < end; k++) {
            int c = offset + cols[k];
            if (!mark[c]) {
                mark[c] = true;
                out[n++] = c;
            }
        }
        return n;
    }

    /** Number of stored values in row {@code r}. */
    public int nonZeros(int r) {
        return rowPtr[firstRow + r + 1] - rowPtr[firstRow + r];
    }

    /** Multiplies every stored value of column {@code j} by {@code scale[j]}, as a new dataset (sparsity kept). */
    public SparseDataset scaleColumns(double[] scale) {
        if (scale.length != features) {
            throw new IllegalArgumentException("need " + features + " column scales, got " + scale.length);
        }
        int begin = rowPtr[firstRow];
        int end = rowPtr[firstRow + rows];
        int[] newPtr = new int[rows + 1];
        for (int r = 0; r <= rows; r++) {
            newPtr[r] = rowPtr[firstRow + r] - begin;
        }
        int[] newCols = new int[end - begin];
        float[] newVals = new float[end - begin];
        for (int k = begin; k < end; k++) {
            newCols[k - begin] = cols[k];
            newVals[k - begin] = (float) (vals[k] * scale[cols[k]]);
        }
        float[] newLabels = new float[rows];
        System.arraycopy(labels, firstRow, newLabels, 0, rows);
        return new SparseDataset(newPtr, newCols, newVals, newLabels, features);
    }

    /** Adds Σ x[r,j] into {@code sum[j]} and Σ x[r,j]² into {@code sumSq[j]} over every row. */
    void accumulateColumnMoments(double[] sum, double[] sumSq) {
        int end = rowPtr[firstRow + rows];
        for (int k = rowPtr[firstRow]; k < end; k++) {
            sum[cols[k]] += vals[k];
            sumSq[cols[k]] += (double) vals[k] * vals[k];
        }
    }

    @Override
    public boolean isSparse() {
        return true;
    }

    @Override
    public SparseDataset slice(int from, int to) {
        checkSlice(from, to);
        return new SparseDataset(rowPtr, cols, vals, labels, features, firstRow + from, to - from);
    }

    @Override
    public String toString() {
        return "SparseDataset[" + rows + "×" + features + ", " + (rowPtr[firstRow + rows] - rowPtr[firstRow])
                + " non-zeros]";
    }
}
