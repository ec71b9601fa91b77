package dev.momentumps.study.experiment;

import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.inprocess.InProcessParameterClient;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.worker.loop.GradientSource;

/**
 * One worker whose every gradient is exactly τ updates stale, through the real server core: at step t it
 * pulls x_t (version t), then pushes the gradient taken at x_{t−τ} with base version t−τ, so the core
 * applies it at staleness τ. Before the τ-th step the history is x₀ (staleness t). With τ = 0 this is
 * ordinary sequential gradient descent with the rule.
 */
final class DelayedWorker {

    /** Sees the weights x_t before step t (t = 0 … steps; the last call has the final weights). */
    interface Observer {
        /** @return false to stop early (e.g. the run is clearly diverging) */
        boolean onWeights(long t, float[] x);
    }

    private DelayedWorker() {
    }

    /**
     * Runs {@code steps} updates and returns the weights after the last one applied.
     *
     * @param tau the delay τ >= 0
     */
    static float[] run(OptimizerConfig config, GradientSource source, int steps, int tau, Observer observer) {
        if (tau < 0 || steps < 0) {
            throw new IllegalArgumentException("need steps >= 0 and tau >= 0, got " + steps + ", " + tau);
        }
        try (ParameterServerCore core = InProcessServer.core(config);
             InProcessParameterClient client = new InProcessParameterClient(core, InProcessServer.WAIT_MILLIS)) {
            client.register(0, "delayed-worker");
            int n = source.layout().numElements();
            float[][] history = new float[tau + 1][n];
            float[] g = new float[n];
            source.initialWeights(history[0]);
            client.initialize(source.layout(), history[0]);
            for (int t = 0; ; t++) {
                float[] x = history[t % (tau + 1)];
                long version = client.pull(x);
                if (version != t) {
                    throw new IllegalStateException("expected version " + t + ", server is at " + version);
                }
                if (!observer.onWeights(t, x) || t == steps) {
                    return x.clone();
                }
                int base = Math.max(0, t - tau);
                double loss = source.next(history[base % (tau + 1)], g);
                client.push(base, t + 1, g, loss, source.lastBatchSize(), null);
            }
        }
    }
}
