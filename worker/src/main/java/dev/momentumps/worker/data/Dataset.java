package dev.momentumps.worker.data;

/**
 * Examples with a label each, dense or sparse. Models never see the storage: they ask for a row's dot
 * product with a slice of the weights, and add a scaled row into a slice of the gradient, which works the
 * same for a dense matrix and for sparse LibSVM rows.
 */
public interface Dataset {

    /** Number of examples. */
    int rows();

    /** Number of features (columns of x, not counting the label). */
    int features();

    /** The label of row {@code r}: a real target, a class index 0..k-1, or 0/1 for binary tasks. */
    float label(int r);

    /** Σⱼ x[r,j]·w[offset+j]. */
    double dot(int r, float[] w, int offset);

    /** g[offset+j] += alpha·x[r,j] for every stored (non-zero) feature j of row r. */
    void addScaledRow(int r, float alpha, float[] g, int offset);

    /** x[r,j] (dense models such as the MLP read single values). */
    float value(int r, int j);

    /** True when rows are stored sparsely (only non-zeros). */
    boolean isSparse();

    /** The rows {@code [from, to)} as a dataset of their own, sharing storage where possible. */
    Dataset slice(int from, int to);
}
