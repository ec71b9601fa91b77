package dev.momentumps.server.core;

import dev.momentumps.wire.RequestException;

/**
 * A sparse gradient's checks and its dense form. Rows are flat element indices; a valid list is strictly
 * increasing (hence free of duplicates) and inside {@code [0, numElements)}. Refusals are
 * INVALID_ARGUMENT naming the field and the first offending position.
 */
public final class SparseRows {
    private SparseRows() {
    }

    /** Checks rows (see {@link #checkIndices}) and that there is one value per row. */
    public static void checkShape(int[] rows, float[] values, int numElements) {
        if (rows.length != values.length) {
            throw RequestException.invalid("sparse_gradient: " + rows.length + " indices but " + values.length
                    + " values");
        }
        checkIndices(rows, rows.length, numElements);
    }

    /** Refuses the first non-finite value, naming its position and row. */
    public static void requireFinite(int[] rows, float[] values) {
        for (int j = 0; j < values.length; j++) {
            float v = values[j];
            if (v - v != 0) {
                throw RequestException.invalid("sparse_gradient.values[" + j + "] (row " + rows[j] + ") is " + v
                        + ": only finite values are accepted");
            }
        }
    }

    /** Checks that {@code rows[0..n)} are in {@code [0, numElements)} and strictly increasing. */
    public static void checkIndices(int[] rows, int n, int numElements) {
        int prev = -1;
        for (int j = 0; j < n; j++) {
            int r = rows[j];
            if (r < 0 || r >= numElements) {
                throw RequestException.invalid("sparse_gradient.indices[" + j + "] is " + r + ", not in [0, "
                        + numElements + ")");
            }
            if (r <= prev) {
                throw RequestException.invalid("sparse_gradient.indices[" + j + "] is " + r + " after " + prev
                        + ": indices must be strictly increasing (no duplicates)");
            }
            prev = r;
        }
    }

    /** The dense gradient: {@code values[j]} at {@code rows[j]}, zero elsewhere. */
    public static float[] scatter(int[] rows, float[] values, int numElements) {
        float[] dense = new float[numElements];
        for (int j = 0; j < rows.length; j++) {
            dense[rows[j]] = values[j];
        }
        return dense;
    }
}
