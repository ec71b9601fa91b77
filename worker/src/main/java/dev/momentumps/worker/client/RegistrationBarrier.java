package dev.momentumps.worker.client;

import dev.momentumps.wire.ParameterClient;


/**
 * A client whose registration returns only once the server (every shard, for a
 * {@link ShardedParameterClient}) has seen {@code workers} registrations. Without it, a synchronous run
 * whose workers start at different moments has its first rounds taken by whichever workers are there
 * already, so two runs with the same seed can differ; with it, every round has the whole world.
 */
public final class RegistrationBarrier extends ForwardingParameterClient {
    private final int workers;
    private final long timeoutMillis;

    public RegistrationBarrier(ParameterClient inner, int workers, long timeoutMillis) {
        super(inner);
        this.workers = workers;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public Registration register(int rank, String name) {
        Registration r = inner.register(rank, name);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (registered() < workers) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + registered() + " of " + workers + " workers registered within "
                        + timeoutMillis + " ms");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the other workers", e);
            }
        }
        return r;
    }

    private int registered() {
        return inner instanceof ShardedParameterClient s ? s.fewestWorkersRegistered() : inner.status().workers().size();
    }
}
