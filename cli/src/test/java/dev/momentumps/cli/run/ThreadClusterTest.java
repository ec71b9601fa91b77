package dev.momentumps.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.Sgd;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.client.ForwardingParameterClient;
import dev.momentumps.worker.loop.GradientSource;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThreadClusterTest {

    /** f(w) = |w|²/2 on a 3-vector: the gradient is w. */
    private static final class Bowl implements GradientSource {
        @Override
        public TensorLayout layout() {
            return TensorLayout.builder().add("w", 3).build();
        }

        @Override
        public void initialWeights(float[] w) {
            w[0] = 1;
            w[1] = -2;
            w[2] = 3;
        }

        @Override
        public double next(float[] w, float[] g) {
            double loss = 0;
            for (int i = 0; i < w.length; i++) {
                g[i] = w[i];
                loss += 0.5 * w[i] * w[i];
            }
            return loss;
        }

        @Override
        public int lastBatchSize() {
            return 1;
        }
    }

    /** Registers late: a worker whose process starts after the others'. */
    private static final class LateRegistration extends ForwardingParameterClient {
        LateRegistration(ParameterClient inner) {
            super(inner);
        }

        @Override
        public Registration register(int rank, String name) {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return inner.register(rank, name);
        }
    }

    @Test
    void aSynchronousRunHasEveryWorkerInEveryRoundEvenWhenOneRegistersLate() throws Exception {
        ParameterServerCore core = new ParameterServerCore(new Sgd(0.1, 0), t -> 0.1f, 0, new Synchronous(), 1);
        List<Bowl> sources = List.of(new Bowl(), new Bowl());
        ThreadCluster cluster = new ThreadCluster(core, sources, List.of(20L, 20L), 0, 10_000,
                (client, source) -> source == sources.get(1) ? new LateRegistration(client) : client);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!cluster.workersDone() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(cluster.workersDone());
        assertEquals(List.of(), cluster.failures());
        // 20 rounds of two gradients each; without the barrier the early worker runs rounds alone first
        assertEquals(20, core.version());
        assertEquals(40, core.status().gradientsApplied());
        cluster.close();
    }
}
