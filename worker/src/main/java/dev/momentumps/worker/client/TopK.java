package dev.momentumps.worker.client;

/**
 * Top-k sparsification with error feedback (Stich, Cordonnier &amp; Jaggi 2018, "Sparsified SGD with
 * memory"; Lin et al. 2018, "Deep Gradient Compression"): each push sends the k entries of
 * {@code a = g + r} largest in magnitude, and keeps the rest as the residual {@code r} for the next push,
 * so every gradient component is eventually sent (delayed, not lost):
 * <pre>
 *   a = g + r;   S = top_k(|a|);   send a[S];   r = a with a[S] set to 0
 * </pre>
 * Ties at the k-th magnitude are broken by the lower index. Selection is a quickselect on a copy of the
 * magnitudes (expected O(n)); the chosen rows are sent in increasing order. Not thread-safe (one per worker).
 */
public final class TopK {
    private final int k;
    private float[] residual;
    private float[] magnitudes;

    public TopK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        this.k = k;
    }

    /**
     * Adds the residual to {@code g} (in place), picks the top k into {@code rows}/{@code values} (room for
     * min(k, n)), and keeps the rest as the new residual. @return the number of entries picked
     */
    public int select(float[] g, int[] rows, float[] values) {
        int n = g.length;
        if (residual == null || residual.length != n) {
            residual = new float[n];
            magnitudes = new float[n];
        }
        float[] r = residual;
        float[] mag = magnitudes;
        for (int i = 0; i < n; i++) {
            float a = g[i] + r[i];
            g[i] = a;
            mag[i] = Math.abs(a);
        }
        int m = Math.min(k, n);
        float threshold = kthLargest(mag, n, m);
        // entries strictly above the threshold, then ties at it (lowest index first) until m are taken
        int above = 0;
        for (int i = 0; i < n; i++) {
            if (Math.abs(g[i]) > threshold) {
                above++;
            }
        }
        int tiesLeft = m - above;
        int c = 0;
        for (int i = 0; i < n; i++) {
            float a = g[i];
            float abs = Math.abs(a);
            if (abs > threshold || (abs == threshold && tiesLeft-- > 0)) {
                rows[c] = i;
                values[c] = a;
                c++;
                r[i] = 0f;
            } else {
                r[i] = a;
            }
        }
        return c;
    }

    /** The residual kept for the next push (live; for tests). */
    public float[] residual() {
        return residual == null ? new float[0] : residual;
    }

    /** The m-th largest of {@code a[0, n)} (1-based), reordering {@code a}: Hoare quickselect. */
    static float kthLargest(float[] a, int n, int m) {
        int target = m - 1; // index in descending order
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            float pivot = a[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] > pivot) {
                    i++;
                }
                while (a[j] < pivot) {
                    j--;
                }
                if (i <= j) {
                    float t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (target <= j) {
                hi = j;
            } else if (target >= i) {
                lo = i;
            } else {
                return a[target];
            }
        }
        return a[target];
    }

    @Override
    public String toString() {
        return "topk:" + k;
    }
}
