package dev.momentumps.worker.loop;

import dev.momentumps.wire.ParameterClient;

/**
 * A worker's life: register, offer the initial weights (the first worker's offer wins), pull, then
 * {@code steps} times compute a minibatch gradient and push it, getting the fresh weights back in the same
 * round trip; finally deregister. It knows the server only through {@link ParameterClient}.
 */
public final class TrainingLoop {

    /** Hears of each step; called on the loop's thread. */
    public interface StepListener {
        void onStep(long step, double loss, ParameterClient.PushResult result);
    }

    /** What one worker did. */
    public record Result(int workerId, long steps, long lastVersion, long stalenessSum, long maxStaleness) {
        public double meanStaleness() {
            return steps == 0 ? 0 : (double) stalenessSum / steps;
        }
    }

    private final ParameterClient client;
    private final GradientSource source;
    private final int rank;
    private final String name;
    private final long steps;
    private final long delayMillis;
    private final StepListener listener;

    /**
     * @param delayMillis extra time each step takes before it pushes (an injected straggler); 0 for none
     * @param listener    may be null
     */
    public TrainingLoop(ParameterClient client, GradientSource source, int rank, String name, long steps,
                        long delayMillis, StepListener listener) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
        if (delayMillis < 0) {
            throw new IllegalArgumentException("delay must be >= 0 ms, got " + delayMillis);
        }
        this.client = client;
        this.source = source;
        this.rank = rank;
        this.name = name;
        this.steps = steps;
        this.delayMillis = delayMillis;
        this.listener = listener;
    }

    public Result run() throws InterruptedException {
        ParameterClient.Registration reg = client.register(rank, name);
        int n = source.layout().numElements();
        float[] w = new float[n];
        float[] g = new float[n];
        source.initialWeights(w);
        client.initialize(source.layout(), w);
        long version = client.pull(w);
        long stalenessSum = 0;
        long maxStaleness = 0;
        for (long step = 1; step <= steps; step++) {
            double loss = source.next(w, g);
            if (delayMillis > 0) {
                Thread.sleep(delayMillis);
            }
            ParameterClient.PushResult r = client.push(version, step, g, loss, source.lastBatchSize(), w);
            version = r.version();
            if (r.applied()) {
                stalenessSum += r.staleness();
                maxStaleness = Math.max(maxStaleness, r.staleness());
            }
            if (listener != null) {
                listener.onStep(step, loss, r);
            }
        }
        client.deregister();
        return new Result(reg.workerId(), steps, version, stalenessSum, maxStaleness);
    }
}
