package dev.momentumps.worker.client;

import dev.momentumps.proto.DeregisterRequest;
import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.GradientHeader;
import dev.momentumps.proto.InitializeFrame;
import dev.momentumps.proto.InitializeHeader;
import dev.momentumps.proto.InitializeReply;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.PullRequest;
import dev.momentumps.proto.RegisterReply;
import dev.momentumps.proto.RegisterRequest;
import dev.momentumps.proto.StatusReply;
import dev.momentumps.proto.StatusRequest;
import dev.momentumps.proto.WeightsHeader;
import dev.momentumps.proto.WorkerStatus;
import dev.momentumps.server.consistency.ConsistencyKind;
import dev.momentumps.server.core.ServerStatus;
import dev.momentumps.server.core.StalenessStats;
import dev.momentumps.server.core.TensorLayout;
import dev.momentumps.server.grpc.Layouts;
import dev.momentumps.server.grpc.TensorCodec;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ParameterClient} over gRPC. Every call carries a deadline; tensors stream in chunks of the size
 * the server announced at registration. Failures surface as {@link io.grpc.StatusRuntimeException} with the
 * server's message.
 */
public final class GrpcParameterClient implements ParameterClient {
    private final ManagedChannel channel;
    private final boolean ownsChannel;
    private final long deadlineMillis;
    private int workerId = -1;
    private int chunkBytes = TensorCodec.DEFAULT_CHUNK_BYTES;

    /**
     * @param ownsChannel   shut the channel down on {@link #close}
     * @param deadlineMillis deadline of every call (a synchronous round must finish within it)
     */
    public GrpcParameterClient(ManagedChannel channel, boolean ownsChannel, long deadlineMillis) {
        this.channel = channel;
        this.ownsChannel = ownsChannel;
        this.deadlineMillis = deadlineMillis;
    }

    private ParameterServerGrpc.ParameterServerBlockingStub blocking() {
        return ParameterServerGrpc.newBlockingStub(channel).withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
    }

    private ParameterServerGrpc.ParameterServerStub async() {
        return ParameterServerGrpc.newStub(channel).withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public Registration register(int rank, String name) {
        RegisterReply r = blocking().register(RegisterRequest.newBuilder().setRank(rank).setName(name).build());
        workerId = r.getWorkerId();
        if (r.getChunkBytes() > 0) {
            chunkBytes = r.getChunkBytes();
        }
        return new Registration(workerId, kind(r.getMode()).cliName(), r.getUpdateRule(), r.getStalenessBound(),
                r.getVersion());
    }

    @Override
    public boolean initialize(TensorLayout layout, float[] weights) {
        CompletableFuture<InitializeReply> reply = new CompletableFuture<>();
        StreamObserver<InitializeFrame> req = async().initialize(new StreamObserver<>() {
            @Override
            public void onNext(InitializeReply value) {
                reply.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                reply.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                reply.completeExceptionally(new IllegalStateException("Initialize answered nothing"));
            }
        });
        req.onNext(InitializeFrame.newBuilder().setHeader(InitializeHeader.newBuilder().setWorkerId(workerId)
                .setLayout(Layouts.toProto(layout))).build());
        int per = TensorCodec.elementsPerChunk(chunkBytes);
        for (int from = 0; from < weights.length; from += per) {
            req.onNext(InitializeFrame.newBuilder()
                    .setChunk(TensorCodec.encode(weights, from, Math.min(per, weights.length - from))).build());
        }
        req.onCompleted();
        return !Futures.await(reply, deadlineMillis).getAlreadyInitialized();
    }

    @Override
    public long pull(float[] out) {
        WeightsReceiver receiver = new WeightsReceiver(out);
        async().pull(PullRequest.newBuilder().setWorkerId(workerId).build(), receiver);
        return receiver.await(deadlineMillis).getVersion();
    }

    @Override
    public PushResult push(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                           float[] weightsOut) {
        WeightsReceiver receiver = new WeightsReceiver(weightsOut);
        StreamObserver<GradientFrame> req = async().push(receiver);
        req.onNext(GradientFrame.newBuilder().setHeader(GradientHeader.newBuilder().setWorkerId(workerId)
                .setBaseVersion(baseVersion).setSequence(sequence).setLoss(loss).setBatchSize(batchSize)
                .setReturnWeights(weightsOut != null)).build());
        int per = TensorCodec.elementsPerChunk(chunkBytes);
        for (int from = 0; from < gradient.length; from += per) {
            req.onNext(GradientFrame.newBuilder()
                    .setChunk(TensorCodec.encode(gradient, from, Math.min(per, gradient.length - from))).build());
        }
        req.onCompleted();
        WeightsHeader h = receiver.await(deadlineMillis);
        return new PushResult(h.getVersion(), h.getStaleness(), h.getApplied());
    }

    @Override
    public ServerStatus status() {
        return toStatus(blocking().status(StatusRequest.getDefaultInstance()));
    }

    /** The server's status reply as the core's record. */
    public static ServerStatus toStatus(StatusReply r) {
        List<ServerStatus.Worker> workers = new ArrayList<>();
        for (WorkerStatus w : r.getWorkersList()) {
            long[] workerHist = new long[w.getStalenessHistogramCount()];
            for (int k = 0; k < workerHist.length; k++) {
                workerHist[k] = w.getStalenessHistogram(k);
            }
            workers.add(new ServerStatus.Worker(w.getWorkerId(), w.getRank(), w.getName(), w.getPushes(),
                    w.getAlive(), w.getMeanStaleness(), w.getMaxStaleness(), workerHist));
        }
        long[] hist = new long[r.getStalenessHistogramCount()];
        for (int i = 0; i < hist.length; i++) {
            hist[i] = r.getStalenessHistogram(i);
        }
        return new ServerStatus(r.getVersion(), r.getGradientsApplied(), r.getGradientsDropped(), r.getInitialized(),
                kind(r.getMode()), r.getStalenessBound(), r.getUpdateRule(), (int) r.getNumElements(),
                List.copyOf(workers), StalenessStats.fromHistogram(hist), r.getRecentLoss());
    }

    private static ConsistencyKind kind(dev.momentumps.proto.ConsistencyMode mode) {
        return switch (mode) {
            case SYNCHRONOUS -> ConsistencyKind.SYNCHRONOUS;
            case STALE_SYNCHRONOUS -> ConsistencyKind.STALE_SYNCHRONOUS;
            case BACKUP_WORKERS -> ConsistencyKind.BACKUP_WORKERS;
            default -> ConsistencyKind.ASYNCHRONOUS;
        };
    }

    @Override
    public void deregister() {
        blocking().deregister(DeregisterRequest.newBuilder().setWorkerId(workerId).build());
    }

    /** Makes the channel try to connect at once instead of after its own backoff (used between retries). */
    public void resetConnectBackoff() {
        channel.resetConnectBackoff();
    }

    @Override
    public void close() {
        if (ownsChannel) {
            channel.shutdown();
            try {
                if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
                    channel.shutdownNow();
                }
            } catch (InterruptedException e) {
                channel.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}
