package dev.momentumps.study.experiment;


/**
 * The best cell of a grid scored over paired seeds (every cell ran with the same seeds), lower scores
 * better: {@code scores[cell][seed]}. Besides the winner by mean score it keeps what a reader needs to
 * judge it: each cell's interval, each cell's paired difference to the winner, how many seeds each cell
 * won, and whether the winner sits on an edge of the (ordered) grid, where a wider grid might do better.
 *
 * @param best   the index of the cell with the lowest mean score (non-finite means rank last)
 * @param cells  each cell's mean score with its interval
 * @param vsBest each cell's paired difference to the winner (cell − best; the winner's own is zero)
 * @param wins   per cell, the seeds on which it had the lowest score (ties go to the lower index)
 * @param onEdge the winner is the first or last cell of a grid with more than one cell
 */
public record GridBest(int best, Interval[] cells, Interval[] vsBest, int[] wins, boolean onEdge) {

    public static GridBest of(double[][] scores) {
        int n = scores.length;
        if (n == 0) {
            throw new IllegalArgumentException("an empty grid has no best cell");
        }
        int seeds = scores[0].length;
        Interval[] cells = new Interval[n];
        int best = 0;
        double bestMean = Double.POSITIVE_INFINITY;
        for (int c = 0; c < n; c++) {
            if (scores[c].length != seeds) {
                throw new IllegalArgumentException("cell " + c + " has " + scores[c].length + " seeds, cell 0 has "
                        + seeds + " (the seeds must be paired)");
            }
            cells[c] = Interval.of(scores[c]);
            double m = rank(scores[c]);
            if (m < bestMean) {
                bestMean = m;
                best = c;
            }
        }
        int[] wins = new int[n];
        for (int s = 0; s < seeds; s++) {
            int arg = 0;
            for (int c = 1; c < n; c++) {
                if (less(scores[c][s], scores[arg][s])) {
                    arg = c;
                }
            }
            wins[arg]++;
        }
        Interval[] vs = new Interval[n];
        for (int c = 0; c < n; c++) {
            vs[c] = Interval.paired(scores[c], scores[best]);
        }
        return new GridBest(best, cells, vs, wins, n > 1 && (best == 0 || best == n - 1));
    }

    /**
     * Joint tuning of an outer and an inner hyper-parameter ({@code scores[outer][inner][seed]}, e.g. β and
     * η): for every outer value the inner value with the lowest mean score. @return that inner index per
     * outer index
     */
    public static int[] bestInner(double[][][] scores) {
        int[] arg = new int[scores.length];
        for (int o = 0; o < scores.length; o++) {
            double best = Double.POSITIVE_INFINITY;
            for (int i = 0; i < scores[o].length; i++) {
                double m = rank(scores[o][i]);
                if (m < best) {
                    best = m;
                    arg[o] = i;
                }
            }
        }
        return arg;
    }

    /** scores[o][inner[o]]: each outer value's scores at its own best inner value. */
    public static double[][] at(double[][][] scores, int[] inner) {
        double[][] out = new double[scores.length][];
        for (int o = 0; o < scores.length; o++) {
            out[o] = scores[o][inner[o]];
        }
        return out;
    }

    /** The number of seeds. */
    public int seeds() {
        int s = 0;
        for (int w : wins) {
            s += w;
        }
        return s;
    }

    /** The cells not significantly worse than the winner (their paired 95 % interval reaches 0). */
    public boolean tied(int cell) {
        Interval d = vsBest[cell];
        return cell == best || d.n() < 2 || !(d.lo() > 0);
    }

    /** e.g. {@code won 27 of 32 seeds}. */
    public String winsText() {
        return "won " + wins[best] + " of " + seeds() + " seeds";
    }

    private static double rank(double[] s) {
        double m = Interval.mean(s);
        return Double.isNaN(m) ? Double.POSITIVE_INFINITY : m;
    }

    private static boolean less(double a, double b) {
        return (Double.isNaN(b) && !Double.isNaN(a)) || a < b;
    }
}
