package dev.momentumps.wire;

import java.util.Arrays;

/**
 * How the flat parameter vector is spread over S server shards: shard {@code k} holds the contiguous
 * element range {@code [begin(k), end(k))}, and the ranges tile the vector in order.
 *
 * <p>The cut between shard {@code k-1} and shard {@code k} aims at {@code floor(k·N/S)} (equal sizes). A
 * tensor of at most {@code splitThreshold} elements is never cut: a cut that falls inside it moves to the
 * nearer of its two ends. A tensor larger than the threshold is cut wherever the balance puts the cut, so
 * a model made mostly of one big tensor has it split over all shards — MXNet's KVStore does the same with
 * arrays above {@code MXNET_KVSTORE_BIGARRAY_BOUND}. When moving a cut would leave a shard empty (fewer
 * tensors than shards), the small tensor is cut after all: every shard holds at least one element.
 *
 * <p>The plan depends only on the layout, S and the threshold, so every worker and every server computes
 * the same one; a server checks that the part a worker initialises it with is the part the plan gives it.
 */
public final class ShardPlan {
    /** Tensors up to this many elements (256 KiB of float32) stay whole on one shard. */
    public static final int DEFAULT_SPLIT_THRESHOLD = 1 << 16;

    private final TensorLayout layout;
    private final int[] cuts;
    private final int splitThreshold;

    /**
     * @throws IllegalArgumentException if {@code shards < 1}, the threshold is negative, or the model has
     *                                  fewer elements than shards
     */
    public ShardPlan(TensorLayout layout, int shards, int splitThreshold) {
        if (shards < 1) {
            throw new IllegalArgumentException("the number of shards must be >= 1, got " + shards);
        }
        if (splitThreshold < 0) {
            throw new IllegalArgumentException("split threshold must be >= 0, got " + splitThreshold);
        }
        int n = layout.numElements();
        if (n < shards) {
            throw new IllegalArgumentException("cannot spread a model of " + n + " elements over " + shards
                    + " shards (every shard needs at least one)");
        }
        this.layout = layout;
        this.splitThreshold = splitThreshold;
        this.cuts = new int[shards + 1];
        cuts[shards] = n;
        for (int k = 1; k < shards; k++) {
            int lo = cuts[k - 1] + 1;
            int hi = n - (shards - k);
            int cut = (int) Math.max(lo, Math.min(hi, (long) k * n / shards));
            TensorLayout.Tensor t = tensorStrictlyAround(cut);
            if (t != null && t.size() <= splitThreshold) {
                int start = t.offset();
                int end = t.offset() + t.size();
                boolean startNearer = cut - start <= end - cut;
                int first = startNearer ? start : end;
                int second = startNearer ? end : start;
                if (first >= lo && first <= hi) {
                    cut = first;
                } else if (second >= lo && second <= hi) {
                    cut = second;
                }
            }
            cuts[k] = cut;
        }
    }

    public ShardPlan(TensorLayout layout, int shards) {
        this(layout, shards, DEFAULT_SPLIT_THRESHOLD);
    }

    private TensorLayout.Tensor tensorStrictlyAround(int cut) {
        for (TensorLayout.Tensor t : layout.tensors()) {
            if (t.offset() < cut && cut < t.offset() + t.size()) {
                return t;
            }
        }
        return null;
    }

    public int shards() {
        return cuts.length - 1;
    }

    /** The whole model's layout. */
    public TensorLayout layout() {
        return layout;
    }

    public int splitThreshold() {
        return splitThreshold;
    }

    /** First element of shard {@code k} in the flat vector. */
    public int begin(int k) {
        check(k);
        return cuts[k];
    }

    /** One past the last element of shard {@code k}. */
    public int end(int k) {
        check(k);
        return cuts[k + 1];
    }

    public int size(int k) {
        return end(k) - begin(k);
    }

    /**
     * The layout shard {@code k}'s server holds: the tensors inside its range keep their names and shapes;
     * a piece of a cut tensor is one-dimensional and named {@code name[a:b]} after its element range within
     * that tensor.
     */
    public TensorLayout shardLayout(int k) {
        int begin = begin(k);
        int end = end(k);
        TensorLayout.Builder b = TensorLayout.builder();
        for (TensorLayout.Tensor t : layout.tensors()) {
            int from = Math.max(begin, t.offset());
            int to = Math.min(end, t.offset() + t.size());
            if (from >= to) {
                continue;
            }
            if (from == t.offset() && to == t.offset() + t.size()) {
                b.add(t.name(), t.shape());
            } else {
                b.add(t.name() + "[" + (from - t.offset()) + ":" + (to - t.offset()) + "]", to - from);
            }
        }
        return b.build();
    }

    private void check(int k) {
        if (k < 0 || k >= shards()) {
            throw new IndexOutOfBoundsException("shard " + k + " of " + shards());
        }
    }

    @Override
    public String toString() {
        return shards() + " shards at " + Arrays.toString(cuts) + " of " + layout;
    }
}
