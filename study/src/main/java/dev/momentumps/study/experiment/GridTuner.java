package dev.momentumps.study.experiment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The grid search of the experiments that tune a learning rate η jointly with a second hyper-parameter (the
 * "knob": heavy ball's β, EASGD's moving rate α, SlowMo's slow momentum β), over paired seeds, lower scores
 * better: for every knob value its best η ({@link GridBest}), then the knob value whose best η scores lowest.
 * A grid that the winner sits on an edge of grows past that edge ({@link Axis}), at most {@code maxWiden}
 * times, and only what was added runs. Every run of every {@link Grid} in one call runs in parallel per pass
 * ({@link Replicates}) on the seeds 0 … seeds − 1 of the {@link Evaluator}, so any two cells are paired.
 *
 * <p>Two ways to grow ({@link Widening}): {@link Widening#SHARED_LRS} keeps one η grid for every knob value
 * (a rectangle: every β is scored at the same η), and grows one value a pass, η before the knob
 * ({@code momentum-vs-workers} and the network claims); {@link Widening#PER_KNOB} gives every knob value its
 * own η grid, which grows wherever that value's best η sits on an edge, and grows the knob in the same pass,
 * the added value's η grid centred on its neighbour's best η ({@code async-momentum-methods}).
 */
final class GridTuner {
    private GridTuner() {
    }

    /** How a grid grows past one of its ends. */
    interface Axis {
        /** The value past the top (or bottom) end of the ordered {@code values}, or NaN when that end is a bound. */
        double next(double[] values, boolean top);
    }

    /** See the class comment. */
    enum Widening { SHARED_LRS, PER_KNOB }

    /** One run: {@code scores[scoreIndex]} is the score the search minimises; the rest is kept for the caller. */
    interface Evaluator<K> {
        double[] at(K key, double lr, double knob, int seed);
    }

    /**
     * An axis that continues its grid's pattern: two values from the end, moved by the span of the last two
     * steps (a ratio when {@code log}), so a grid of 0.01, 0.03, 0.1 grows to 0.3, 1 and one of 0.1, 0.3, 0.9
     * to 2.7; a two-value grid repeats its step, a one-value grid steps by a ratio of 3. Rounded to 6
     * decimals; clamped to [lo, hi], NaN when the end is already there.
     */
    static Axis continuing(double lo, double hi, boolean log) {
        return (values, top) -> {
            double v = Math.max(lo, Math.min(hi, beyond(values, top, log)));
            return v == (top ? values[values.length - 1] : values[0]) ? Double.NaN : v;
        };
    }

    /** The unclamped value of {@link #continuing}. */
    static double beyond(double[] values, boolean top, boolean log) {
        int n = values.length;
        double v;
        if (n == 1) {
            v = top ? values[0] * 3 : values[0] / 3;
        } else if (n == 2) {
            v = log ? (top ? values[1] * (values[1] / values[0]) : values[0] / (values[1] / values[0]))
                    : (top ? values[1] + (values[1] - values[0]) : values[0] - (values[1] - values[0]));
        } else if (log) {
            v = top ? values[n - 2] * (values[n - 1] / values[n - 3]) : values[1] / (values[2] / values[0]);
        } else {
            v = top ? values[n - 2] + (values[n - 1] - values[n - 3]) : values[1] - (values[2] - values[0]);
        }
        return round6(v);
    }

    private static double round6(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    /** One knob value: its η grid, as grown, and every η's runs ({@code results[η][seed]}, null until run). */
    static final class Row {
        final double knob;
        double[] lrs;
        final List<double[][]> results = new ArrayList<>();
        int lrWidened;

        Row(double knob, double[] lrs) {
            this.knob = knob;
            this.lrs = lrs.clone();
            for (int l = 0; l < lrs.length; l++) {
                results.add(null);
            }
        }

        /** {@code scores[η][seed]}: the runs' entry {@code index}. */
        double[][] scores(int index) {
            double[][] s = new double[lrs.length][];
            for (int l = 0; l < lrs.length; l++) {
                double[][] r = results.get(l);
                s[l] = new double[r.length];
                for (int k = 0; k < r.length; k++) {
                    s[l][k] = r[k][index];
                }
            }
            return s;
        }

        private void add(boolean top, double lr) {
            double[] grown = new double[lrs.length + 1];
            System.arraycopy(lrs, 0, grown, top ? 0 : 1, lrs.length);
            grown[top ? grown.length - 1 : 0] = lr;
            lrs = grown;
            results.add(top ? results.size() : 0, null);
            lrWidened++;
        }
    }

    /**
     * One search: a row per knob value, ascending (one row, NaN, when nothing but η is tuned).
     *
     * @param key       what the evaluator runs (a method at M workers, a worker count)
     * @param knobAxis  how the knob grows; null when it stays as given (a one-value knob grid never grows)
     */
    static final class Grid<K> {
        final K key;
        final Axis lrAxis;
        final Axis knobAxis;
        final int scoreIndex;
        final List<Row> rows = new ArrayList<>();
        int knobWidened;

        Grid(K key, double[] knobs, double[] lrs, Axis lrAxis, Axis knobAxis, int scoreIndex) {
            this.key = key;
            this.lrAxis = lrAxis;
            this.knobAxis = knobAxis;
            this.scoreIndex = scoreIndex;
            for (double k : knobs) {
                rows.add(new Row(k, lrs));
            }
        }

        /** {@code scores[knob][η][seed]}. */
        double[][][] scores() {
            double[][][] s = new double[rows.size()][][];
            for (int r = 0; r < s.length; r++) {
                s[r] = rows.get(r).scores(scoreIndex);
            }
            return s;
        }

        /** Each row's best η index. */
        int[] bestLrs() {
            return GridBest.bestInner(scores());
        }

        /** The index of the row whose best η scores lowest. */
        int best() {
            double[][][] s = scores();
            return GridBest.of(GridBest.at(s, GridBest.bestInner(s))).best();
        }

        double[] knobs() {
            double[] k = new double[rows.size()];
            for (int r = 0; r < k.length; r++) {
                k[r] = rows.get(r).knob;
            }
            return k;
        }

        /** The knob value past the winner's end, NaN when the winner is inside, at a bound, or the knob is fixed. */
        private double knobBeyond(int best) {
            if (knobAxis == null || rows.size() < 2 || (best != 0 && best != rows.size() - 1)) {
                return Double.NaN;
            }
            return knobAxis.next(knobs(), best == rows.size() - 1);
        }
    }

    private record Job<K>(Grid<K> grid, Row row, double lr) {
    }

    /** Runs every grid, then widens them ({@link Widening}) and runs what was added, at most maxWiden times. */
    static <K> void tune(List<Grid<K>> grids, int seeds, Evaluator<K> eval, Widening widening, int maxWiden) {
        List<Job<K>> pending = new ArrayList<>();
        for (Grid<K> g : grids) {
            for (Row row : g.rows) {
                for (double lr : row.lrs) {
                    pending.add(new Job<>(g, row, lr));
                }
            }
        }
        for (int pass = 0; !pending.isEmpty(); pass++) {
            List<Job<K>> todo = pending;
            List<double[]> flat = Replicates.map(todo.size() * seeds, k -> {
                Job<K> j = todo.get(k / seeds);
                return eval.at(j.grid().key, j.lr(), j.row().knob, k % seeds);
            });
            for (int j = 0; j < todo.size(); j++) {
                Row row = todo.get(j).row();
                double[][] r = new double[seeds][];
                for (int s = 0; s < seeds; s++) {
                    r[s] = flat.get(j * seeds + s);
                }
                row.results.set(indexOf(row.lrs, todo.get(j).lr()), r);
            }
            pending = new ArrayList<>();
            if (pass >= maxWiden) {
                break;
            }
            for (Grid<K> g : grids) {
                if (widening == Widening.SHARED_LRS) {
                    widenShared(g, pending);
                } else {
                    widenPerKnob(g, pending);
                }
            }
        }
    }

    /** One value: η past the winner's edge for every row, else the knob past the winner's edge at the same η grid. */
    private static <K> void widenShared(Grid<K> g, List<Job<K>> pending) {
        int best = g.best();
        Row win = g.rows.get(best);
        int l = g.bestLrs()[best];
        boolean top = l == win.lrs.length - 1; // a one-η grid grows upward
        double lr = top || l == 0 ? g.lrAxis.next(win.lrs, top) : Double.NaN;
        if (!Double.isNaN(lr)) {
            for (Row row : g.rows) {
                row.add(top, lr);
                pending.add(new Job<>(g, row, lr));
            }
            return;
        }
        double k = g.knobBeyond(best);
        if (!Double.isNaN(k)) {
            addRow(g, best != 0, new Row(k, win.lrs), pending);
        }
    }

    /**
     * One η past each edge a row's best η sits on, and one knob value past the winner's edge, with the η grid
     * around the winner's best η (its grid's first ratio, 3 for a one-η grid).
     */
    private static <K> void widenPerKnob(Grid<K> g, List<Job<K>> pending) {
        int best = g.best(); // before any η is added: every row has run
        int[] bestLrs = g.bestLrs();
        Row from = g.rows.get(best);
        double fromLr = from.lrs[bestLrs[best]];
        double ratio = from.lrs.length > 1 ? from.lrs[1] / from.lrs[0] : 3;
        for (int r = 0; r < g.rows.size(); r++) {
            Row row = g.rows.get(r);
            int last = row.lrs.length - 1;
            boolean top = bestLrs[r] == last; // a one-η grid grows upward
            if (top || bestLrs[r] == 0) {
                double lr = g.lrAxis.next(row.lrs, top);
                if (!Double.isNaN(lr)) {
                    row.add(top, lr);
                    pending.add(new Job<>(g, row, lr));
                }
            }
        }
        double k = g.knobBeyond(best);
        if (!Double.isNaN(k)) {
            addRow(g, best != 0, new Row(k, new double[] {round6(fromLr / ratio), fromLr, round6(fromLr * ratio)}),
                    pending);
        }
    }

    private static <K> void addRow(Grid<K> g, boolean top, Row row, List<Job<K>> pending) {
        g.rows.add(top ? g.rows.size() : 0, row);
        g.knobWidened++;
        for (double lr : row.lrs) {
            pending.add(new Job<>(g, row, lr));
        }
    }

    private static int indexOf(double[] grid, double v) {
        for (int i = 0; i < grid.length; i++) {
            if (grid[i] == v) {
                return i;
            }
        }
        throw new IllegalStateException(v + " not in " + Arrays.toString(grid));
    }
}
