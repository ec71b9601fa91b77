package dev.momentumps.worker.data;

import java.util.SplittableRandom;

/**
 * Yields minibatches of row indices {@code 0..rows-1} (e.g. of a shard), epoch by epoch: each epoch visits
 * every row exactly once, in a fresh seeded permutation (or in order when not shuffling); the last batch of
 * an epoch may be partial. {@link #next} fills a caller-provided array, allocating nothing.
 *
 * <p>Not thread-safe: one sampler per worker thread. The sequence is fully determined by the seed.
 */
public final class MinibatchSampler {

    private final int[] order;
    private final int batchSize;
    private final boolean shuffle;
    private final SplittableRandom random;
    private int position;
    private long epoch;

    /**
     * @param rows      rows to sample from, at least 1
     * @param batchSize rows per batch, at least 1
     * @param shuffle   reshuffle every epoch (without replacement), or visit rows in order
     * @param seed      seeds the shuffles
     */
    public MinibatchSampler(int rows, int batchSize, boolean shuffle, long seed) {
        if (rows < 1) {
            throw new IllegalArgumentException("need at least one row to sample, got " + rows);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.order = new int[rows];
        for (int i = 0; i < rows; i++) {
            order[i] = i;
        }
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.random = new SplittableRandom(seed);
        startEpoch();
    }

    /** A sampler that reshuffles every epoch. */
    public static MinibatchSampler shuffled(int rows, int batchSize, long seed) {
        return new MinibatchSampler(rows, batchSize, true, seed);
    }

    /** A sampler that visits rows in order, batch after batch. */
    public static MinibatchSampler sequential(int rows, int batchSize) {
        return new MinibatchSampler(rows, batchSize, false, 0);
    }

    private void startEpoch() {
        position = 0;
        if (shuffle) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
    }

    /**
     * Writes the next batch's row indices into {@code out[0..count)} and returns {@code count} (the batch
     * size, or less for the last batch of an epoch).
     */
    public int next(int[] out) {
        if (out.length < batchSize) {
            throw new IllegalArgumentException("output array holds " + out.length + " < batch size " + batchSize);
        }
        if (position == order.length) {
            epoch++;
            startEpoch();
        }
        int count = Math.min(batchSize, order.length - position);
        System.arraycopy(order, position, out, 0, count);
        position += count;
        return count;
    }

    /** Batches per epoch, counting the last partial one: ⌈rows / batchSize⌉. */
    public int stepsPerEpoch() {
        return (order.length + batchSize - 1) / batchSize;
    }

    /** The epoch the most recent batch belongs to, from 0. */
    public long epoch() {
        return epoch;
    }

    public int batchSize() {
        return batchSize;
    }

    public int rows() {
        return order.length;
    }
}
