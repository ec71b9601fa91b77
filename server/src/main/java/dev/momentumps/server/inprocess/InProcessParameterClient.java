package dev.momentumps.server.inprocess;

import dev.momentumps.server.consistency.PushTicket;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.Float16;
import java.util.concurrent.TimeUnit;

/** A worker in the server's own process: calls the core directly, with the same waits a gRPC server makes. */
public final class InProcessParameterClient implements ParameterClient {
    private final ParameterServerCore core;
    private final long waitMillis;
    private int workerId = -1;

    /** @param waitMillis the longest a push waits for its synchronous round, or a pull for SSP's bound */
    public InProcessParameterClient(ParameterServerCore core, long waitMillis) {
        this.core = core;
        this.waitMillis = waitMillis;
    }

    @Override
    public Registration register(int rank, String name) {
        workerId = core.register(rank, name);
        return new Registration(workerId, core.consistency().kind().cliName(), core.optimizer(),
                core.consistency().stalenessBound(), core.version());
    }

    @Override
    public boolean initialize(TensorLayout layout, float[] weights) {
        return core.initialize(workerId, layout, weights.clone());
    }

    @Override
    public long pull(float[] out) {
        awaitMayPull();
        return core.pull(workerId, out);
    }

    @Override
    public PushResult push(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                           float[] weightsOut) {
        return complete(core.push(workerId, baseVersion, sequence, gradient.clone(), loss, batchSize), weightsOut);
    }

    /** Straight into the core's sparse entry point (float16 values are rounded as the wire would). */
    @Override
    public PushResult pushSparse(long baseVersion, long sequence, int numElements, int[] rows, float[] values,
                                 int n, boolean half, double loss, int batchSize, float[] weightsOut) {
        float[] v = java.util.Arrays.copyOf(values, n);
        if (half) {
            for (int j = 0; j < n; j++) {
                v[j] = Float16.roundSaturating(v[j]);
            }
        }
        return complete(core.pushSparse(workerId, baseVersion, sequence, java.util.Arrays.copyOf(rows, n), v, loss,
                batchSize), weightsOut);
    }

    private PushResult complete(PushTicket ticket, float[] weightsOut) {
        try {
            if (!ticket.await(waitMillis, TimeUnit.MILLISECONDS)) {
                throw new RequestException(RequestException.Reason.DEADLINE_EXCEEDED,
                        "the synchronous round did not complete within " + waitMillis + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequestException(RequestException.Reason.UNAVAILABLE, "interrupted while waiting");
        }
        long version = ticket.version();
        if (weightsOut != null) {
            version = pull(weightsOut);
        }
        return new PushResult(version, ticket.staleness(), ticket.applied());
    }

    private void awaitMayPull() {
        try {
            if (!core.awaitMayPull(workerId, waitMillis, TimeUnit.MILLISECONDS)) {
                throw new RequestException(RequestException.Reason.DEADLINE_EXCEEDED,
                        "the staleness bound held this worker back for over " + waitMillis + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequestException(RequestException.Reason.UNAVAILABLE, "interrupted while waiting");
        }
    }

    @Override
    public ServerStatus status() {
        return core.status();
    }

    @Override
    public void deregister() {
        core.deregister(workerId);
    }

    @Override
    public void close() {
        // the core belongs to whoever created it
    }
}
