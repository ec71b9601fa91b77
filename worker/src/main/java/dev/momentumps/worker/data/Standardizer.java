package dev.momentumps.worker.data;

/**
 * Per-column standardisation: fit the mean and the population standard deviation on one dataset, then
 * apply the same transform to it and to others (e.g. a test split). A column whose standard deviation is
 * zero is only centred. Optionally the label is standardised too, as for regression (the
 * <i>Dive into Deep Learning</i> airfoil recipe standardises every column, label included).
 *
 * <p>Sparse data is never densified: for a {@link SparseDataset} the statistics count the implicit zeros,
 * but {@link #apply} only <em>scales</em> each column by 1/std (no centring, which would fill in the zeros),
 * and label standardisation is for dense data only.
 */
public final class Standardizer {

    private final double[] mean;
    private final double[] std;
    private final boolean label;
    private final double labelMean;
    private final double labelStd;

    private Standardizer(double[] mean, double[] std, boolean label, double labelMean, double labelStd) {
        this.mean = mean;
        this.std = std;
        this.label = label;
        this.labelMean = labelMean;
        this.labelStd = labelStd;
    }

    /** Fits the feature columns only; labels pass through unchanged. */
    public static Standardizer fit(Dataset data) {
        return fit(data, false);
    }

    /** Fits the feature columns and the label (regression targets). Dense data only. */
    public static Standardizer fitWithLabel(Dataset data) {
        return fit(data, true);
    }

    private static Standardizer fit(Dataset data, boolean withLabel) {
        int n = data.rows();
        int d = data.features();
        if (n == 0) {
            throw new IllegalArgumentException("cannot fit a standardizer on an empty dataset");
        }
        if (withLabel && data.isSparse()) {
            throw new IllegalArgumentException("label standardisation is for dense data; got " + data);
        }
        double[] mean = new double[d];
        double[] std = new double[d];
        if (data instanceof SparseDataset sparse) {
            double[] sumSq = new double[d];
            sparse.accumulateColumnMoments(mean, sumSq);
            for (int j = 0; j < d; j++) {
                mean[j] /= n;
                std[j] = Math.sqrt(Math.max(0, sumSq[j] / n - mean[j] * mean[j]));
            }
        } else {
            for (int j = 0; j < d; j++) {
                mean[j] = columnMean(data, j, n);
                std[j] = columnStd(data, j, n, mean[j]);
            }
        }
        double lm = withLabel ? columnMean(data, -1, n) : 0;
        double ls = withLabel ? columnStd(data, -1, n, lm) : 1;
        return new Standardizer(mean, std, withLabel, lm, ls);
    }

    /** Column j's value in row r, or the label for j = -1. */
    private static double at(Dataset data, int r, int j) {
        return j < 0 ? data.label(r) : data.value(r, j);
    }

    private static double columnMean(Dataset data, int j, int n) {
        double s = 0;
        for (int r = 0; r < n; r++) {
            s += at(data, r, j);
        }
        return s / n;
    }

    private static double columnStd(Dataset data, int j, int n, double m) {
        double s = 0;
        for (int r = 0; r < n; r++) {
            double c = at(data, r, j) - m;
            s += c * c;
        }
        return Math.sqrt(s / n);
    }

    /** The divisor used for a column: its std, or 1 when the std is (numerically) zero. */
    private static double divisor(double std, double mean) {
        return std > 1e-7 * Math.abs(mean) && std > 0 ? std : 1.0;
    }

    /** The transformed copy of {@code data} (dense: centred and scaled; sparse: scaled only). */
    public Dataset apply(Dataset data) {
        int d = mean.length;
        if (data.features() != d) {
            throw new IllegalArgumentException("standardizer fitted on " + d + " features, data has "
                    + data.features());
        }
        if (data instanceof SparseDataset sparse) {
            if (label) {
                throw new IllegalArgumentException("label standardisation is for dense data; got " + data);
            }
            double[] scale = new double[d];
            for (int j = 0; j < d; j++) {
                scale[j] = 1.0 / divisor(std[j], mean[j]);
            }
            return sparse.scaleColumns(scale);
        }
        int n = data.rows();
        float[] x = new float[n * d];
        float[] y = new float[n];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < d; j++) {
                x[r * d + j] = (float) ((data.value(r, j) - mean[j]) / divisor(std[j], mean[j]));
            }
            y[r] = label ? (float) ((data.label(r) - labelMean) / divisor(labelStd, labelMean)) : data.label(r);
        }
        return new DenseDataset(x, y, d);
    }

    /** Fitted mean of feature column {@code j}. */
    public double mean(int j) {
        return mean[j];
    }

    /** Fitted population standard deviation of feature column {@code j}. */
    public double std(int j) {
        return std[j];
    }

    /** Whether labels are standardised. */
    public boolean standardisesLabel() {
        return label;
    }

    public double labelMean() {
        return labelMean;
    }

    public double labelStd() {
        return labelStd;
    }

    /** Maps a standardised label (or prediction) back to the original units. */
    public double unscaleLabel(double standardised) {
        return standardised * divisor(labelStd, labelMean) + labelMean;
    }
}
