package dev.momentumps.worker.task;

import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.data.Dataset;
import dev.momentumps.worker.data.MinibatchSampler;
import dev.momentumps.worker.data.Shards;
import dev.momentumps.worker.loop.GradientSource;
import dev.momentumps.worker.model.Model;
import java.util.SplittableRandom;

/**
 * One worker's gradients: minibatches drawn (shuffled per epoch, seeded by the run's seed and the rank)
 * from its contiguous shard of the training set, plus optional Gaussian gradient noise.
 */
public final class GradientTask implements GradientSource {
    private final Model model;
    private final Dataset shard;
    private final MinibatchSampler sampler;
    private final int[] batch;
    private final long seed;
    private final double gradNoise;
    private final SplittableRandom noise;
    private int lastBatch;
    private boolean[] mark;

    public GradientTask(Model model, Dataset train, int rank, int workers, int batchSize, long seed,
                        double gradNoise) {
        if (workers < 1 || rank < 0 || rank >= workers) {
            throw new IllegalArgumentException("rank must be in [0, workers), got rank " + rank + " of " + workers);
        }
        this.model = model;
        this.shard = Shards.shard(train, workers, rank);
        if (shard.rows() == 0) {
            throw new IllegalArgumentException("worker " + rank + " of " + workers + " has no rows: the training set ("
                    + train.rows() + " rows) is smaller than the number of workers");
        }
        this.sampler = MinibatchSampler.shuffled(shard.rows(), Math.min(batchSize, shard.rows()),
                seed * 1_000_003L + rank);
        this.batch = new int[sampler.batchSize()];
        this.seed = seed;
        this.gradNoise = gradNoise;
        this.noise = new SplittableRandom(seed * 7_919L + rank + 1);
    }

    @Override
    public TensorLayout layout() {
        return model.layout();
    }

    @Override
    public void initialWeights(float[] w) {
        model.initialize(w, seed);
    }

    @Override
    public double next(float[] w, float[] g) {
        lastBatch = sampler.next(batch);
        double loss = model.lossAndGradient(w, shard, batch, lastBatch, g);
        if (gradNoise > 0) {
            for (int i = 0; i < g.length; i++) {
                g[i] += (float) (gradNoise * gaussian());
            }
        }
        return loss;
    }

    private double gaussian() {
        // Box-Muller from the task's own generator, so noise is reproducible per worker
        double u = 1.0 - noise.nextDouble();
        double v = noise.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** The model's touched rows for the last minibatch; dense (-1) when gradient noise is added. */
    @Override
    public int touchedRows(int[] out) {
        if (gradNoise > 0 || lastBatch == 0) {
            return -1;
        }
        if (mark == null) {
            mark = new boolean[model.layout().numElements()];
        }
        return model.touchedRows(shard, batch, lastBatch, mark, out);
    }

    @Override
    public int lastBatchSize() {
        return lastBatch;
    }

    /** Minibatch steps in one pass over this worker's shard. */
    public int stepsPerEpoch() {
        return sampler.stepsPerEpoch();
    }

    public Dataset shard() {
        return shard;
    }
}
