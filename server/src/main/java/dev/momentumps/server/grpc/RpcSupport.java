package dev.momentumps.server.grpc;

import dev.momentumps.proto.GradientHeader;
import dev.momentumps.proto.WeightsHeader;
import dev.momentumps.server.consistency.PushTicket;
import dev.momentumps.server.core.GradientSource;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.ShardRole;
import dev.momentumps.wire.ConsistencyKind;
import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.ShardPlan;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.TensorCodec;
import dev.momentumps.wire.config.ConfigKeys;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;

/**
 * What the RPC handlers share: the core, the waits every call makes (a synchronous round, SSP's bound),
 * handing a pooled gradient to the core, and sending the weights back as frames.
 */
final class RpcSupport {
    final ParameterServerCore core;
    final int chunkBytes;
    final long waitMillis;
    final ShardRole shard;
    /** the shard plan, known once the model is initialised */
    volatile ShardPlan plan;
    // model-sized scratch arrays reused across calls (gradients in; weights go out from the live array)
    // (two of any size idle, more only while at most 32 MiB are: at 10M parameters two, see FloatArrayPool)
    /** the pushes taken in, by path */
    final FloatArrayPool buffers = new FloatArrayPool(2 * Runtime.getRuntime().availableProcessors() + 2,
            32L << 20, 2);

    /** the memory streams in flight may hold (see {@link Admission}) */
    final Admission admission;
    /** the longest a Push or Initialize stream may send nothing before it half-closes (see {@link FrameReader}) */
    final long streamIdleMillis = ConfigKeys.STREAM_IDLE_MS.getInt();

    RpcSupport(ParameterServerCore core, int chunkBytes, long waitMillis, ShardRole shard) {
        this.core = core;
        this.admission = new Admission(core.inflightBytes());
        this.chunkBytes = chunkBytes;
        this.waitMillis = waitMillis;
        this.shard = shard;
    }

    boolean asynchronous() {
        return core.consistency().kind() == ConsistencyKind.ASYNCHRONOUS;
    }

    /** The model's size; FAILED_PRECONDITION before initialisation. */
    int numElements() {
        TensorLayout layout = core.layout();
        if (layout == null) {
            throw new RequestException(RequestException.Reason.FAILED_PRECONDITION,
                    "the model is not initialised yet (a worker must call Initialize first)");
        }
        return layout.numElements();
    }

    /**
     * Hands a gradient to the core and waits for its ticket. The gradient's array (the one given, or the
     * pooled copy the core made of a borrowed buffer) goes back to the pool once the core is done with it
     * (applied or dropped, or refused before it was taken); after a timeout the core may still hold it, so it
     * is left to the collector.
     */
    PushTicket submit(GradientHeader header, GradientSource gradient) throws InterruptedException {
        return submit(header.getWorkerId(), header.getBaseVersion(), header.getSequence(), gradient,
                header.getLoss(), header.getBatchSize());
    }

    /** {@link #submit(GradientHeader, GradientSource)} with the header's fields one by one. */
    PushTicket submit(int workerId, long baseVersion, long sequence, GradientSource gradient, double loss,
                      int batchSize) throws InterruptedException {
        PushTicket ticket;
        try {
            ticket = core.push(workerId, baseVersion, sequence, gradient, loss, batchSize);
        } catch (RequestException e) {
            buffers.give(gradient.array());
            throw e;
        }
        awaitOrThrow(workerId, ticket);
        buffers.give(gradient.array());
        return ticket;
    }

    /** The ticket once done; DEADLINE_EXCEEDED when the round does not complete in time. */
    PushTicket awaitOrThrow(int workerId, PushTicket ticket) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        while (!ticket.isDone()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new RequestException(RequestException.Reason.DEADLINE_EXCEEDED, "the synchronous round "
                        + "did not complete within " + waitMillis + " ms (are all workers alive?)");
            }
            if (!ticket.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(250)), TimeUnit.NANOSECONDS)) {
                core.touch(workerId); // waiting is a sign of life: the lease is renewed
            }
        }
        replicated();
        return ticket;
    }

    /**
     * Waits until the hot standby (if any) has every operation this server took so far, so the answer that
     * follows tells a worker of nothing the standby does not have (see {@link dev.momentumps.server.core.Replication}).
     */
    void replicated() {
        replicated(core);
    }

    static void replicated(ParameterServerCore core) {
        try {
            core.replication().awaitReplicated();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequestException(RequestException.Reason.UNAVAILABLE, "interrupted while the standby "
                    + "acknowledged the update (the server is stopping)");
        }
    }

    /** Waits until SSP lets the worker pull; DEADLINE_EXCEEDED when it does not in time. */
    void awaitMayPull(int workerId) throws InterruptedException {
        if (!core.awaitMayPull(workerId, waitMillis, TimeUnit.MILLISECONDS)) {
            throw new RequestException(RequestException.Reason.DEADLINE_EXCEEDED, "worker " + workerId
                    + " is more than the staleness bound ahead and the slowest worker did not catch up within "
                    + waitMillis + " ms");
        }
    }

    /** The header of a push's reply: its staleness and fate. */
    static WeightsHeader.Builder fate(PushTicket ticket) {
        return WeightsHeader.newBuilder().setStaleness(ticket.staleness()).setApplied(ticket.applied());
    }

    /**
     * Sends the weights this worker is sent as a reply stream, serialised while the core holds them still:
     * on every binding a frame is serialised (Netty) or copied into a message (generated binding) inside
     * {@code onNext}, so no copy of the model is made first, and {@code onNext} never blocks (gRPC buffers
     * what flow control holds back).
     */
    <R> void sendWeights(int workerId, StreamObserver<R> out, WeightsFrames<R> frames, WeightsHeader.Builder header) {
        core.pull(workerId, (weights, version) -> {
            out.onNext(frames.header(header.setVersion(version).setNumElements(weights.length).build()));
            int per = TensorCodec.elementsPerChunk(chunkBytes);
            for (int from = 0; from < weights.length; from += per) {
                out.onNext(frames.chunk(weights, from, Math.min(per, weights.length - from)));
            }
            out.onCompleted();
        });
    }

    static RequestException invalid(String message) {
        return new RequestException(RequestException.Reason.INVALID_ARGUMENT, message);
    }
}
