package dev.momentumps.study.experiment;

import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.inprocess.InProcessParameterClient;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.worker.loop.GradientSource;
import java.util.ArrayList;
import java.util.List;

/**
 * M asynchronous workers of equal speed, scheduled deterministically in one thread through the real server
 * core: worker k = s mod M makes push s from the weights it got back with its previous push. Every worker
 * thus computes on weights M−1 updates old (after the first round), the steady state of M equally fast
 * asynchronous workers, without thread timing making runs irreproducible. M = 1 is sequential SGD.
 */
final class RoundRobinWorkers {

    /** Called after each applied push with the number of pushes so far and the core (to evaluate). */
    interface Observer {
        void afterPush(long pushes, ParameterServerCore core);
    }

    /** What happened: the final weights and the mean staleness the core recorded. */
    record Result(float[] weights, double meanStaleness, long maxStaleness) {
    }

    private RoundRobinWorkers() {
    }

    static Result run(OptimizerConfig config, List<? extends GradientSource> workers, long pushes,
                      Observer observer) {
        int m = workers.size();
        if (m == 0 || pushes < 0) {
            throw new IllegalArgumentException("need at least one worker and pushes >= 0");
        }
        try (ParameterServerCore core = InProcessServer.core(config)) {
            List<InProcessParameterClient> clients = new ArrayList<>();
            int n = workers.get(0).layout().numElements();
            float[][] w = new float[m][n];
            long[] base = new long[m];
            float[] g = new float[n];
            for (int k = 0; k < m; k++) {
                InProcessParameterClient c = new InProcessParameterClient(core, InProcessServer.WAIT_MILLIS);
                c.register(k, "worker-" + k);
                workers.get(k).initialWeights(w[k]);
                c.initialize(workers.get(k).layout(), w[k]);
                clients.add(c);
            }
            for (int k = 0; k < m; k++) {
                base[k] = clients.get(k).pull(w[k]);
            }
            observer.afterPush(0, core);
            for (long s = 0; s < pushes; s++) {
                int k = (int) (s % m);
                GradientSource src = workers.get(k);
                double loss = src.next(w[k], g);
                base[k] = clients.get(k).push(base[k], s / m + 1, g, loss, src.lastBatchSize(), w[k]).version();
                observer.afterPush(s + 1, core);
            }
            var st = core.status().staleness();
            Result r = new Result(core.weights(), st.mean(), st.max());
            for (InProcessParameterClient c : clients) {
                c.close();
            }
            return r;
        }
    }
}
