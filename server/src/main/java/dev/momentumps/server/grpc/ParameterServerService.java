package dev.momentumps.server.grpc;

import dev.momentumps.proto.ConsistencyMode;
import dev.momentumps.proto.DeregisterReply;
import dev.momentumps.proto.DeregisterRequest;
import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.GradientHeader;
import dev.momentumps.proto.InitializeFrame;
import dev.momentumps.proto.InitializeHeader;
import dev.momentumps.proto.InitializeReply;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.PullRequest;
import dev.momentumps.proto.PushPullReply;
import dev.momentumps.proto.PushPullRequest;
import dev.momentumps.proto.ValueEncoding;
import dev.momentumps.proto.RegisterReply;
import dev.momentumps.proto.RegisterRequest;
import dev.momentumps.proto.Shard;
import dev.momentumps.proto.ShardMap;
import dev.momentumps.proto.StatusReply;
import dev.momentumps.proto.StatusRequest;
import dev.momentumps.proto.WeightsFrame;
import dev.momentumps.proto.WeightsHeader;
import dev.momentumps.proto.WorkerStatus;
import dev.momentumps.server.consistency.PushTicket;
import dev.momentumps.server.core.NonFinitePolicy;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.RequestException;
import dev.momentumps.server.core.ServerStatus;
import dev.momentumps.server.core.ShardPlan;
import dev.momentumps.server.core.ShardRole;
import dev.momentumps.server.core.TensorLayout;
import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC face of {@link ParameterServerCore}: decodes frames, hands the core whole requests, and maps
 * its refusals to statuses. No training logic lives here.
 */
public final class ParameterServerService extends ParameterServerGrpc.ParameterServerImplBase {
    private final ParameterServerCore core;
    private final String address;
    private final int chunkBytes;
    private final long waitMillis;
    private final boolean sharedRegions;
    private final String hostId;
    // model-sized scratch arrays reused across calls (gradients in; weights go out from the live array)
    // (two of any size idle, more only while at most 32 MiB are: at 10M parameters two, see FloatArrayPool)
    private final FloatArrayPool buffers = new FloatArrayPool(2 * Runtime.getRuntime().availableProcessors() + 2,
            32L << 20, 2);
    private static final boolean GC_AFTER_INITIALIZE = Boolean.getBoolean("mps.gcAfterInitialize");
    private final ConcurrentHashMap<Integer, SharedRegion> regions = new ConcurrentHashMap<>();
    /**
     * Above this many elements (default 4M; system property {@code mps.sharedScratchAbove}) an asynchronous
     * server takes region pushes one at a time through one scratch array (memory: at 10M
     * parameters each array in flight is 40 MB, half the state); below it every call takes its own array
     * from the pool, so one worker's copy and check overlap another's update.
     */
    private final int sharedScratchAbove = Integer.getInteger("mps.sharedScratchAbove", 1 << 22);
    private final Object regionScratchLock = new Object();
    private float[] regionScratch;
    private final ShardRole shard;
    private volatile ShardPlan plan;

    /**
     * @param address    how workers reach this server, reported in the shard map
     * @param chunkBytes bytes per chunk of the tensors it sends
     * @param waitMillis the longest a call waits for a synchronous round or SSP's bound before
     *                   answering DEADLINE_EXCEEDED
     */
    public ParameterServerService(ParameterServerCore core, String address, int chunkBytes, long waitMillis) {
        this(core, address, chunkBytes, waitMillis, ShardRole.SINGLE);
    }

    /** @param shard which part of the model this server holds (see {@link ShardPlan}) */
    public ParameterServerService(ParameterServerCore core, String address, int chunkBytes, long waitMillis,
                                  ShardRole shard) {
        this(core, address, chunkBytes, waitMillis, shard, true);
    }

    /** @param sharedRegions offer same-host workers the shared-memory fast path */
    public ParameterServerService(ParameterServerCore core, String address, int chunkBytes, long waitMillis,
                                  ShardRole shard, boolean sharedRegions) {
        this.core = core;
        this.address = address;
        this.chunkBytes = chunkBytes;
        this.waitMillis = waitMillis;
        this.shard = shard;
        this.sharedRegions = sharedRegions;
        this.hostId = sharedRegions ? SharedRegion.hostId() : "";
    }

    static ConsistencyMode toProto(dev.momentumps.server.consistency.ConsistencyKind kind) {
        return switch (kind) {
            case ASYNCHRONOUS -> ConsistencyMode.ASYNCHRONOUS;
            case SYNCHRONOUS -> ConsistencyMode.SYNCHRONOUS;
            case STALE_SYNCHRONOUS -> ConsistencyMode.STALE_SYNCHRONOUS;
            case BACKUP_WORKERS -> ConsistencyMode.BACKUP_WORKERS;
        };
    }

    @Override
    public void register(RegisterRequest request, StreamObserver<RegisterReply> out) {
        try {
            int id = core.register(request.getRank(), request.getName());
            TensorLayout layout = core.layout();
            RegisterReply.Builder reply = RegisterReply.newBuilder()
                    .setWorkerId(id)
                    .setInitialized(layout != null)
                    .setMode(toProto(core.consistency().kind()))
                    .setVersion(core.version())
                    .setChunkBytes(chunkBytes)
                    .setUpdateRule(core.rule().toString())
                    .setStalenessBound(core.consistency().stalenessBound())
                    .setHostId(hostId);
            ShardPlan p = plan;
            if (layout != null) {
                reply.setLayout(Layouts.toProto(layout));
            }
            if (layout != null && p != null) {
                reply.setShardMap(ShardMap.newBuilder().addShards(
                        Shard.newBuilder().setIndex(shard.index()).setAddress(address)
                                .setBegin(p.begin(shard.index())).setEnd(p.end(shard.index()))));
            }
            out.onNext(reply.build());
            out.onCompleted();
        } catch (RuntimeException e) {
            out.onError(Statuses.of(e));
        }
    }

    @Override
    public StreamObserver<InitializeFrame> initialize(StreamObserver<InitializeReply> out) {
        return new FrameReader<>(out) {
            private InitializeHeader header;
            private TensorLayout layout;
            private ChunkAssembler chunks;

            @Override
            void frame(InitializeFrame f) {
                if (f.hasHeader()) {
                    if (header != null) {
                        throw invalid("header: sent twice");
                    }
                    header = f.getHeader();
                    layout = Layouts.fromProto(header.getLayout());
                    chunks = new ChunkAssembler(layout.numElements());
                } else if (header == null) {
                    throw invalid("header: the first frame must be the header");
                } else {
                    chunks.accept(f.getChunk());
                }
            }

            @Override
            InitializeReply finish() {
                if (header == null) {
                    throw invalid("header: missing");
                }
                ShardPlan p = shard.check(header.hasModelLayout() ? Layouts.fromProto(header.getModelLayout()) : null,
                        layout);
                boolean first = core.initialize(header.getWorkerId(), layout, chunks.finish());
                plan = p;
                if (first && GC_AFTER_INITIALIZE) {
                    // the model's transient copies (chunks, assembly) are garbage now; one full collection at
                    // start lets a server process's heap shrink to its live state (see JvmOptions in the cli)
                    System.gc();
                }
                return InitializeReply.newBuilder().setVersion(core.version()).setAlreadyInitialized(!first).build();
            }
        };
    }

    @Override
    public void pull(PullRequest request, StreamObserver<WeightsFrame> out) {
        pull(request, out, WeightsFrames.PROTO);
    }

    /** Pull writing its reply frames with {@code frames} (see {@link FrameMarshallers#bind}). */
    <R> void pull(PullRequest request, StreamObserver<R> out, WeightsFrames<R> frames) {
        try {
            int id = request.getWorkerId();
            awaitMayPull(id);
            sendLiveWeights(id, out, frames, WeightsHeader.newBuilder());
        } catch (Exception e) {
            out.onError(Statuses.of(e));
        }
    }

    @Override
    public StreamObserver<GradientFrame> push(StreamObserver<WeightsFrame> out) {
        return push(out, WeightsFrames.PROTO);
    }

    /** Push writing its reply frames with {@code frames} (see {@link FrameMarshallers#bind}). */
    <R> StreamObserver<GradientFrame> push(StreamObserver<R> out, WeightsFrames<R> frames) {
        return new FrameReader<>(out) {
            private GradientHeader header;
            private ChunkAssembler chunks;
            private SparseStream sparse;

            @Override
            void frame(GradientFrame f) {
                if (f.hasHeader()) {
                    if (header != null) {
                        throw invalid("header: sent twice");
                    }
                    int n = numElements();
                    SparseStream.checkHeader(f.getHeader(), n);
                    header = f.getHeader();
                    if (header.hasSparse()) {
                        sparse = new SparseStream(header, n, core.nonFinitePolicy() == NonFinitePolicy.REJECT);
                    } else {
                        chunks = new ChunkAssembler(buffers.take(n), header.getValueEncoding());
                    }
                } else if (header == null) {
                    throw invalid("header: the first frame must be the header");
                } else if (sparse != null) {
                    if (!f.hasSparseChunk()) {
                        throw invalid("chunk: a sparse push (header.sparse set) takes sparse_chunk frames only");
                    }
                    sparse.accept(f.getSparseChunk());
                } else if (f.hasSparseChunk()) {
                    throw invalid("sparse_chunk: only in a sparse push (set header.sparse)");
                } else {
                    chunks.accept(f.getChunk());
                }
            }

            @Override
            void complete(StreamObserver<R> o) throws InterruptedException {
                if (header == null) {
                    throw invalid("header: missing");
                }
                int id = header.getWorkerId();
                PushTicket ticket = sparse != null ? awaitOrThrow(id, sparse.submit(core, header))
                        : submit(header, chunks.finish(), chunks.knownFinite());
                WeightsHeader.Builder h = WeightsHeader.newBuilder().setStaleness(ticket.staleness())
                        .setApplied(ticket.applied());
                if (header.getReturnWeights()) {
                    awaitMayPull(id);
                    sendLiveWeights(id, o, frames, h);
                } else {
                    o.onNext(frames.header(h.setVersion(ticket.version()).build()));
                    o.onCompleted();
                }
            }
        };
    }

    @Override
    public void pushPull(PushPullRequest request, StreamObserver<PushPullReply> out) {
        pushPull(request, out, PushPullReplies.PROTO);
    }

    /** PushPull writing its reply with {@code replies} (see {@link FrameMarshallers#bind}). */
    <R> void pushPull(PushPullRequest request, StreamObserver<R> out, PushPullReplies<R> replies) {
        try {
            GradientHeader header = request.getHeader();
            SparseStream.refuseStreamFields(header);
            int id = header.getWorkerId();
            int n = numElements();
            SharedRegion region = null;
            float[] gradient;
            boolean knownFinite = false;
            switch (request.getPayloadCase()) {
                case SHARED_REGION -> {
                    region = region(id, request.getSharedRegion(), n);
                    if (usesSharedScratch(n)) {
                        PushPullReply reply;
                        synchronized (regionScratchLock) {
                            reply = answerThroughSharedScratch(header, region, n);
                        }
                        out.onNext(replies.reply(reply));
                        out.onCompleted();
                        return;
                    }
                    gradient = buffers.take(n);
                    region.gradient().get(0, gradient, 0, n);
                }
                case GRADIENT -> {
                    ByteString data = request.getGradient();
                    ValueEncoding enc = request.getGradientEncoding();
                    if (WireValues.count(data, enc) != n) {
                        throw invalid("gradient: " + data.size() + " bytes, expected "
                                + (long) n * WireValues.bytesPer(enc) + " (" + n + " " + enc + " values)");
                    }
                    gradient = buffers.take(n);
                    knownFinite = WireValues.decodeChecked(data, enc, gradient, 0);
                }
                case SPARSE_GRADIENT -> {
                    out.onNext(replies.reply(SparsePushPull.answer(core, request, this::awaitMayPull, waitMillis)));
                    out.onCompleted();
                    return;
                }
                default -> throw invalid("payload: set gradient or shared_region");
            }
            PushTicket ticket = submit(header, gradient, knownFinite);
            if (region != null) {
                out.onNext(replies.reply(replyThroughRegion(header, ticket, region, n)));
                out.onCompleted();
                return;
            }
            WeightsHeader.Builder h = WeightsHeader.newBuilder().setStaleness(ticket.staleness())
                    .setApplied(ticket.applied());
            if (header.getReturnWeights()) {
                awaitMayPull(id);
                // serialised straight from the live weights inside onNext, under the core's lock: no copy first
                core.pull(id, (weights, version) -> out.onNext(replies.withWeights(
                        h.setNumElements(n).setVersion(version).build(), weights, n)));
            } else {
                out.onNext(replies.reply(PushPullReply.newBuilder().setHeader(h.setVersion(ticket.version())).build()));
            }
            out.onCompleted();
        } catch (Exception e) {
            out.onError(Statuses.of(e));
        }
    }

    /** Whether region pushes and pulls of {@code n} elements go through the one shared scratch array. */
    private boolean usesSharedScratch(int n) {
        return n > sharedScratchAbove
                && core.consistency().kind() == dev.momentumps.server.consistency.ConsistencyKind.ASYNCHRONOUS;
    }

    /** The shared scratch array, sized {@code n}; the caller holds {@link #regionScratchLock}. */
    private float[] sharedScratch(int n) {
        if (regionScratch == null || regionScratch.length != n) {
            regionScratch = new float[n];
        }
        return regionScratch;
    }

    /**
     * A region push of an asynchronous server through the one shared scratch array (caller holds
     * {@link #regionScratchLock}): an asynchronous push is applied or refused before {@code core.push}
     * returns, so the array is free again when this returns.
     */
    private PushPullReply answerThroughSharedScratch(GradientHeader header, SharedRegion region, int n)
            throws InterruptedException {
        float[] gradient = sharedScratch(n);
        region.gradient().get(0, gradient, 0, n);
        PushTicket ticket = core.push(header.getWorkerId(), header.getBaseVersion(), header.getSequence(),
                gradient, header.getLoss(), header.getBatchSize());
        if (!ticket.isDone()) {
            throw new IllegalStateException("an asynchronous push was not applied at once");
        }
        return replyThroughRegion(header, ticket, region, n);
    }

    /** The reply to a region push: its fate, and (if asked) the fresh weights written into the region. */
    private PushPullReply replyThroughRegion(GradientHeader header, PushTicket ticket, SharedRegion region, int n)
            throws InterruptedException {
        WeightsHeader.Builder h = WeightsHeader.newBuilder().setStaleness(ticket.staleness())
                .setApplied(ticket.applied());
        if (header.getReturnWeights()) {
            awaitMayPull(header.getWorkerId());
            h.setNumElements(n).setVersion(core.pull(header.getWorkerId(), region.weights()));
        } else {
            h.setVersion(ticket.version());
        }
        return PushPullReply.newBuilder().setHeader(h).build();
    }

    /**
     * Hands a gradient to the core and waits for its ticket. The gradient buffer goes back to the pool once
     * the core is done with it (applied or dropped, or refused before it was taken); after a timeout the
     * core may still hold it, so it is left to the collector.
     *
     * @param knownFinite every value was checked while it was decoded (the core then skips its own scan)
     */
    private PushTicket submit(GradientHeader header, float[] gradient, boolean knownFinite)
            throws InterruptedException {
        PushTicket ticket;
        try {
            ticket = core.push(header.getWorkerId(), header.getBaseVersion(), header.getSequence(), gradient,
                    header.getLoss(), header.getBatchSize(), knownFinite);
        } catch (RequestException e) {
            buffers.give(gradient);
            throw e;
        }
        awaitOrThrow(header.getWorkerId(), ticket);
        buffers.give(gradient);
        return ticket;
    }

    /** The ticket once done; DEADLINE_EXCEEDED when the round does not complete in time. */
    private PushTicket awaitOrThrow(int workerId, PushTicket ticket) throws InterruptedException {
        if (!awaitTicket(workerId, ticket)) {
            throw new RequestException(RequestException.Reason.DEADLINE_EXCEEDED, "the synchronous round "
                    + "did not complete within " + waitMillis + " ms (are all workers alive?)");
        }
        return ticket;
    }

    /** The worker's mapped region, opened on first use and kept while it names the same file. */
    private SharedRegion region(int workerId, dev.momentumps.proto.SharedRegion spec, int n) {
        if (!sharedRegions) {
            throw new RequestException(RequestException.Reason.FAILED_PRECONDITION,
                    "shared_region: this server does not take shared regions (use inline or streamed tensors)");
        }
        if (spec.getNumElements() != n) {
            throw invalid("shared_region.num_elements: " + spec.getNumElements() + ", the model has " + n);
        }
        SharedRegion r = regions.get(workerId);
        if (r == null || !r.path().equals(spec.getPath()) || r.numElements() != n) {
            r = SharedRegion.open(spec.getPath(), n);
            regions.put(workerId, r);
        }
        return r;
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusReply> out) {
        ServerStatus s = core.status();
        StatusReply.Builder b = StatusReply.newBuilder()
                .setVersion(s.version())
                .setGradientsApplied(s.gradientsApplied())
                .setGradientsDropped(s.gradientsDropped())
                .setInitialized(s.initialized())
                .setMode(toProto(s.mode()))
                .setStalenessBound(s.stalenessBound())
                .setUpdateRule(s.updateRule())
                .setNumElements(s.numElements())
                .setMeanStaleness(s.staleness().mean())
                .setMaxStaleness(s.staleness().max())
                .setRecentLoss(s.recentLoss());
        for (long c : s.staleness().histogram()) {
            b.addStalenessHistogram(c);
        }
        for (ServerStatus.Worker w : s.workers()) {
            WorkerStatus.Builder ws = WorkerStatus.newBuilder().setWorkerId(w.id()).setRank(w.rank())
                    .setName(w.name()).setPushes(w.pushes()).setAlive(w.alive()).setMeanStaleness(w.meanStaleness())
                    .setMaxStaleness(w.maxStaleness());
            for (long count : w.stalenessHistogram()) {
                ws.addStalenessHistogram(count);
            }
            b.addWorkers(ws);
        }
        out.onNext(b.build());
        out.onCompleted();
    }

    @Override
    public void deregister(DeregisterRequest request, StreamObserver<DeregisterReply> out) {
        try {
            core.deregister(request.getWorkerId());
            regions.remove(request.getWorkerId());
            out.onNext(DeregisterReply.getDefaultInstance());
            out.onCompleted();
        } catch (RuntimeException e) {
            out.onError(Statuses.of(e));
        }
    }

    private int numElements() {
        TensorLayout layout = core.layout();
        if (layout == null) {
            throw new RequestException(RequestException.Reason.FAILED_PRECONDITION,
                    "the model is not initialised yet (a worker must call Initialize first)");
        }
        return layout.numElements();
    }

    /** Waits for a push's fate, renewing the worker's lease while it waits (waiting is a sign of life). */
    private boolean awaitTicket(int workerId, PushTicket ticket) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return ticket.isDone();
            }
            if (ticket.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(250)), TimeUnit.NANOSECONDS)) {
                return true;
            }
            core.touch(workerId);
        }
    }

    private void awaitMayPull(int workerId) throws InterruptedException {
        if (!core.awaitMayPull(workerId, waitMillis, TimeUnit.MILLISECONDS)) {
            throw new RequestException(RequestException.Reason.DEADLINE_EXCEEDED, "worker " + workerId
                    + " is more than the staleness bound ahead and the slowest worker did not catch up within "
                    + waitMillis + " ms");
        }
    }

    /**
     * Sends the live weights as a reply stream, serialised while the core holds them still: on every binding
     * a frame is serialised (Netty) or copied into a message (generated binding) inside {@code onNext}, so
     * no copy of the model is made first, and {@code onNext} never blocks (gRPC buffers what flow control
     * holds back).
     */
    private <R> void sendLiveWeights(int workerId, StreamObserver<R> out, WeightsFrames<R> frames,
                                     WeightsHeader.Builder header) {
        core.pull(workerId, (weights, version) -> sendWeights(out, frames, header.setVersion(version), weights));
    }

    private <R> void sendWeights(StreamObserver<R> out, WeightsFrames<R> frames, WeightsHeader.Builder header,
                                 float[] weights) {
        out.onNext(frames.header(header.setNumElements(weights.length).build()));
        int per = TensorCodec.elementsPerChunk(chunkBytes);
        for (int from = 0; from < weights.length; from += per) {
            out.onNext(frames.chunk(weights, from, Math.min(per, weights.length - from)));
        }
        out.onCompleted();
    }

    private static RequestException invalid(String message) {
        return new RequestException(RequestException.Reason.INVALID_ARGUMENT, message);
    }

    /**
     * A client stream of frames answered once at the end. The first refusal ends the call with its status
     * and the remaining frames are ignored, so nothing reaches the core from a bad stream.
     */
    private abstract static class FrameReader<F, R> implements StreamObserver<F> {
        private final StreamObserver<R> out;
        private boolean failed;

        FrameReader(StreamObserver<R> out) {
            this.out = out;
        }

        abstract void frame(F frame);

        /** The single reply; used by the default {@link #complete}. */
        R finish() throws InterruptedException {
            throw new UnsupportedOperationException();
        }

        /** Answers once the client has half-closed. */
        void complete(StreamObserver<R> o) throws InterruptedException {
            o.onNext(finish());
            o.onCompleted();
        }

        @Override
        public final void onNext(F f) {
            try {
                if (!failed) {
                    frame(f);
                }
            } catch (RuntimeException e) {
                fail(e);
            } finally {
                // a frame parsed by AliasingMarshaller views Netty's buffers until released
                AliasingMarshaller.release(f);
            }
        }

        @Override
        public final void onError(Throwable t) {
            failed = true;
        }

        @Override
        public final void onCompleted() {
            if (failed) {
                return;
            }
            try {
                complete(out);
            } catch (Exception e) {
                fail(e);
            }
        }

        private void fail(Exception e) {
            failed = true;
            out.onError(Statuses.of(e));
        }
    }

}
