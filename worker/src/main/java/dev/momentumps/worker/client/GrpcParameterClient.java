package dev.momentumps.worker.client;

import dev.momentumps.proto.DeregisterRequest;
import dev.momentumps.proto.ErrorReason;
import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.GradientHeader;
import dev.momentumps.proto.InitializeFrame;
import dev.momentumps.proto.InitializeHeader;
import dev.momentumps.proto.InitializeReply;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.PullRequest;
import dev.momentumps.proto.PushPullReply;
import dev.momentumps.proto.PushPullRequest;
import dev.momentumps.proto.RegisterReply;
import dev.momentumps.proto.RegisterRequest;
import dev.momentumps.proto.SparseGradient;
import dev.momentumps.proto.StatusRequest;
import dev.momentumps.proto.ValueEncoding;
import dev.momentumps.proto.WeightsHeader;
import dev.momentumps.wire.ErrorReasons;
import dev.momentumps.wire.ProtoMapping;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.TensorCodec;
import dev.momentumps.wire.codec.WireValues;
import dev.momentumps.wire.frame.AliasingMarshaller;
import dev.momentumps.wire.frame.FloatChunkFrame;
import dev.momentumps.wire.frame.FrameMarshallers;
import dev.momentumps.wire.frame.InlineFloats;
import dev.momentumps.wire.shm.SharedRegion;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A {@link ParameterClient} over gRPC. Every call carries a deadline. A push-and-pull takes the cheapest
 * path the server offers (see {@link Transport}): on the payload socket when the server offers one (on this
 * host only for tensors up to {@link #SOCKET_ON_ONE_HOST_BYTES}), through a shared memory-mapped region when
 * the server runs on this host, else one unary call with the tensor inline when it fits in one chunk, else a
 * stream of chunks of the size the server announced at registration. Failures surface as
 * {@link io.grpc.StatusRuntimeException} with the server's message.
 */
public final class GrpcParameterClient implements ParameterClient {
    /** Under AUTO, tensors up to this size go inline even on one host: a region saves nothing there. */
    static final int INLINE_FIRST_BYTES = 64 << 10;
    /**
     * Under AUTO on one host, tensors up to this size take the payload socket when the server offers it: a
     * round there is a few system calls, cheaper in CPU than the region's gRPC call up to about this size
     * (docs/performance.md, "The payload socket"); bigger ones go through the shared region.
     */
    static final int SOCKET_ON_ONE_HOST_BYTES = 1 << 20;
    private final ManagedChannel channel;
    private final boolean ownsChannel;
    private final long deadlineMillis;
    private final Transport preferred;
    // stubs are immutable and cheap to derive; made once, a deadline is added per call
    private final ParameterServerGrpc.ParameterServerBlockingStub blockingStub;
    private final ParameterServerGrpc.ParameterServerStub asyncStub;
    private int workerId = -1;
    private int chunkBytes = TensorCodec.DEFAULT_CHUNK_BYTES;
    private boolean sameHost;
    private boolean pushPullUnavailable;
    private SharedRegion region;
    private PayloadSocketClient payload;
    /** AUTO found the payload socket offered but could not open it: tensors stay on gRPC for good */
    private boolean payloadUnreachable;
    private Transport used;

    /**
     * @param ownsChannel   shut the channel down on {@link #close}
     * @param deadlineMillis deadline of every call (a synchronous round must finish within it)
     */
    public GrpcParameterClient(ManagedChannel channel, boolean ownsChannel, long deadlineMillis) {
        this(channel, ownsChannel, deadlineMillis, Transport.AUTO);
    }

    /** @param transport {@link Transport#AUTO} to pick per call, or force one path */
    public GrpcParameterClient(ManagedChannel channel, boolean ownsChannel, long deadlineMillis, Transport transport) {
        this.channel = channel;
        this.ownsChannel = ownsChannel;
        this.deadlineMillis = deadlineMillis;
        this.preferred = transport;
        this.blockingStub = ParameterServerGrpc.newBlockingStub(channel);
        this.asyncStub = ParameterServerGrpc.newStub(channel);
    }

    private ParameterServerGrpc.ParameterServerBlockingStub blocking() {
        return blockingStub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
    }

    private ParameterServerGrpc.ParameterServerStub async() {
        return asyncStub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
    }

    /** Options of a call made without a stub: the stubs' options with this call's deadline. */
    private CallOptions callOptions() {
        return asyncStub.getCallOptions().withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
    }

    /** The path the last push took, or null before the first push. */
    public Transport lastTransport() {
        return used;
    }

    @Override
    public Registration register(int rank, String name) {
        RegisterReply r = blocking().register(RegisterRequest.newBuilder().setRank(rank).setName(name).build());
        workerId = r.getWorkerId();
        if (r.getChunkBytes() > 0) {
            chunkBytes = r.getChunkBytes();
        }
        String here = SharedRegion.hostId();
        sameHost = !here.isEmpty() && here.equals(r.getHostId());
        closePayload();
        if (preferred == Transport.SOCKET || (preferred == Transport.AUTO && r.hasPayloadSocket()
                && !payloadUnreachable)) {
            if (!r.hasPayloadSocket()) {
                throw Status.FAILED_PRECONDITION.withDescription("--transport socket: the server at "
                        + channel.authority() + " offers no payload socket (start it with mps server --payload-port "
                        + "PORT; a server with TLS offers none)").asRuntimeException();
            }
            payload = new PayloadSocketClient(new InetSocketAddress(host(channel.authority()),
                    r.getPayloadSocket().getPort()), workerId, r.getPayloadSocket().getSecret().toByteArray(),
                    deadlineMillis, preferred == Transport.AUTO);
        }
        return new Registration(workerId, ProtoMapping.fromProto(r.getMode()).cliName(), r.getUpdateRule(), r.getStalenessBound(),
                r.getVersion());
    }

    @Override
    public boolean initialize(TensorLayout layout, float[] weights) {
        SingleReply<InitializeReply> reply = new SingleReply<>("Initialize");
        StreamObserver<InitializeFrame> req = async().initialize(reply);
        req.onNext(InitializeFrame.newBuilder().setHeader(InitializeHeader.newBuilder().setWorkerId(workerId)
                .setLayout(ProtoMapping.toProto(layout))).build());
        int per = TensorCodec.elementsPerChunk(chunkBytes);
        for (int from = 0; from < weights.length; from += per) {
            req.onNext(InitializeFrame.newBuilder()
                    .setChunk(TensorCodec.encode(weights, from, Math.min(per, weights.length - from))).build());
        }
        req.onCompleted();
        return !reply.await(deadlineMillis).getAlreadyInitialized();
    }

    /** The host of a channel's authority ({@code host:port}, {@code [v6]:port} or {@code host}). */
    static String host(String authority) {
        if (authority.startsWith("[")) {
            int end = authority.indexOf(']');
            return end < 0 ? authority : authority.substring(1, end);
        }
        int colon = authority.lastIndexOf(':');
        return colon < 0 || authority.indexOf(':') != colon ? authority : authority.substring(0, colon);
    }

    @Override
    public long pull(float[] out) {
        if (takesSocket(out.length)) {
            Long version = payload.pull(out);
            if (version != null) {
                return version;
            }
            payloadUnreachable();
        }
        WeightsReceiver receiver = new WeightsReceiver(out);
        ClientCalls.asyncServerStreamingCall(channel.newCall(FrameMarshallers.PULL, callOptions()),
                PullRequest.newBuilder().setWorkerId(workerId).build(), receiver);
        return receiver.await(deadlineMillis).getVersion();
    }

    @Override
    public PushResult push(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                           float[] weightsOut) {
        GradientHeader header = GradientHeader.newBuilder().setWorkerId(workerId).setBaseVersion(baseVersion)
                .setSequence(sequence).setLoss(loss).setBatchSize(batchSize).setReturnWeights(weightsOut != null)
                .build();
        if (takesSocket(gradient.length)) {
            PushResult r = payload.push(baseVersion, sequence, gradient, loss, batchSize, weightsOut);
            if (r != null) {
                used = Transport.SOCKET;
                return r;
            }
            payloadUnreachable();
        }
        if (goesShared(gradient.length)) {
            PushResult r = pushShared(header, gradient, weightsOut);
            if (r != null) {
                return r;
            }
        }
        if (!pushPullUnavailable && preferred.allows(Transport.UNARY)
                && (long) gradient.length * Float.BYTES <= chunkBytes) {
            PushResult r = pushInline(header, gradient, weightsOut);
            if (r != null) {
                return r;
            }
        }
        return pushStream(header, gradient, weightsOut);
    }

    /**
     * Whether a dense push or pull of this many elements goes over the payload socket: always when one is open
     * across hosts or forced, on one host only up to {@link #SOCKET_ON_ONE_HOST_BYTES}.
     */
    private boolean takesSocket(int length) {
        return payload != null && (preferred != Transport.AUTO || !sameHost
                || (long) length * Float.BYTES <= SOCKET_ON_ONE_HOST_BYTES);
    }

    /** Whether a dense push of this many elements goes through the shared region. */
    private boolean goesShared(int length) {
        boolean tiny = (long) length * Float.BYTES <= INLINE_FIRST_BYTES;
        return !pushPullUnavailable && sameHost && !(tiny && preferred == Transport.AUTO)
                && preferred.allows(Transport.SHARED_MEMORY);
    }

    /**
     * Float16 values inline in one unary call when they and the weights coming back fit in one chunk (2 bytes
     * a value); else as float16 chunks on the streaming Push. Through the shared region (same host) the
     * values rounded to float16 travel as float32: the region is memory, not wire, so halves would save nothing;
     * so do they on the payload socket, which carries float32 only.
     */
    @Override
    public PushResult pushHalf(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                               float[] weightsOut) {
        if (takesSocket(gradient.length) || goesShared(gradient.length)) {
            return ParameterClient.super.pushHalf(baseVersion, sequence, gradient, loss, batchSize, weightsOut);
        }
        if (pushPullUnavailable || !preferred.allows(Transport.UNARY)
                || (long) gradient.length * 2 > chunkBytes
                || (weightsOut != null && (long) weightsOut.length * Float.BYTES > chunkBytes)) {
            GradientHeader h = header(baseVersion, sequence, loss, batchSize, weightsOut != null).toBuilder()
                    .setValueEncoding(ValueEncoding.FLOAT16).build();
            return pushFrames(h, req -> GradientFrames.sendDense(req, gradient, ValueEncoding.FLOAT16, chunkBytes),
                    weightsOut, Transport.STREAM);
        }
        PushResult r = pushPull(PushPullRequest.newBuilder().setHeader(header(baseVersion, sequence, loss,
                batchSize, weightsOut != null)).setGradientEncoding(ValueEncoding.FLOAT16)
                .setGradient(WireValues.encode(gradient, gradient.length, ValueEncoding.FLOAT16)).build(), false,
                reply -> inlineReply(reply, weightsOut));
        return r != null ? r
                : ParameterClient.super.pushHalf(baseVersion, sequence, gradient, loss, batchSize, weightsOut);
    }

    /**
     * One unary call carrying the rows and values when they fit in one chunk; else a streaming Push of
     * sparse chunks of about the announced chunk size. The fresh weights come back inline when the whole
     * vector fits in one chunk, else through a {@link #pull} after the unary push, or on the stream.
     */
    @Override
    public PushResult pushSparse(long baseVersion, long sequence, int numElements, int[] rows, float[] values,
                                 int n, boolean half, double loss, int batchSize, float[] weightsOut) {
        ValueEncoding enc = half ? ValueEncoding.FLOAT16 : ValueEncoding.FLOAT32;
        if (pushPullUnavailable || (long) n * (Integer.BYTES + WireValues.bytesPer(enc)) > chunkBytes) {
            GradientHeader h = GradientFrames.sparseHeader(header(baseVersion, sequence, loss, batchSize,
                    weightsOut != null), n, enc);
            return pushFrames(h, req -> GradientFrames.sendSparse(req, rows, values, n, enc, chunkBytes), weightsOut,
                    Transport.SPARSE_STREAM);
        }
        boolean inlineWeights = weightsOut != null && (long) weightsOut.length * Float.BYTES <= chunkBytes;
        PushResult r = pushPull(PushPullRequest.newBuilder()
                .setHeader(header(baseVersion, sequence, loss, batchSize, inlineWeights))
                .setSparseGradient(SparseGradient.newBuilder().setIndices(WireValues.encodeIndices(rows, n))
                        .setValues(WireValues.encode(values, n, enc)).setEncoding(enc)).build(), false,
                reply -> weightsOut == null || inlineWeights ? inlineReply(reply, weightsOut) : result(reply.getHeader()));
        if (r == null) {
            return ParameterClient.super.pushSparse(baseVersion, sequence, numElements, rows, values, n, half, loss,
                    batchSize, weightsOut);
        }
        used = Transport.SPARSE;
        if (weightsOut == null || inlineWeights) {
            return r;
        }
        return new PushResult(pull(weightsOut), r.staleness(), r.applied());
    }

    private GradientHeader header(long baseVersion, long sequence, double loss, int batchSize, boolean weights) {
        return GradientHeader.newBuilder().setWorkerId(workerId).setBaseVersion(baseVersion).setSequence(sequence)
                .setLoss(loss).setBatchSize(batchSize).setReturnWeights(weights).build();
    }

    /** Through the shared region; null when the server refuses regions (the client stops trying). */
    private PushResult pushShared(GradientHeader header, float[] gradient, float[] weightsOut) {
        if (region == null || region.numElements() != gradient.length) {
            closeRegion();
            region = SharedRegion.create(gradient.length);
        }
        region.gradient().put(0, gradient, 0, gradient.length);
        WeightsHeader h = pushPull(PushPullRequest.newBuilder().setHeader(header).setSharedRegion(
                dev.momentumps.proto.SharedRegion.newBuilder().setPath(region.path())
                        .setNumElements(gradient.length)).build(), true, PushPullReply::getHeader);
        if (h == null) {
            sameHost = false;
            closeRegion();
            return null;
        }
        if (weightsOut != null) {
            checkLength(h.getNumElements(), weightsOut);
            region.weights().get(0, weightsOut, 0, weightsOut.length);
        }
        used = Transport.SHARED_MEMORY;
        return result(h);
    }

    /**
     * One unary call with the tensors inline; null when the server has no PushPull (an older server). The
     * gradient goes out by reference ({@link InlineFloats}, serialised while it is sent) and the weights are
     * decoded from the transport's buffers: no byte[] the size of the model on this side either.
     */
    private PushResult pushInline(GradientHeader header, float[] gradient, float[] weightsOut) {
        return pushPull(new InlineFloats(PushPullRequest.newBuilder().setHeader(header).build(),
                PushPullRequest.GRADIENT_FIELD_NUMBER, gradient, gradient.length), false,
                reply -> inlineReply(reply, weightsOut));
    }

    /** The result of a unary reply, its inline weights (if asked for) decoded into {@code weightsOut}. */
    private PushResult inlineReply(PushPullReply reply, float[] weightsOut) {
        if (weightsOut != null) {
            checkLength(reply.getHeader().getNumElements(), weightsOut);
            if (TensorCodec.count(reply.getWeights()) != weightsOut.length) {
                throw Status.INTERNAL.withDescription("reply weights have " + reply.getWeights().size()
                        + " bytes, expected " + (long) weightsOut.length * Float.BYTES).asRuntimeException();
            }
            TensorCodec.decode(reply.getWeights(), weightsOut, 0);
        }
        used = Transport.UNARY;
        return result(reply.getHeader());
    }

    /**
     * The PushPull call, its reply read by {@code use} (the reply may view the transport's buffers, which are
     * handed back once {@code use} returns). null means "take another path": UNIMPLEMENTED (a server older
     * than PushPull), or, for a region, the server's refusal to map it (it is on another host after all, or
     * has regions off), typed as {@link ErrorReason#SHARED_REGION_UNAVAILABLE}. Such refusals come before the
     * core sees the push, so the same sequence number can be sent again.
     *
     * @param request a PushPullRequest or an {@link InlineFloats} of one
     */
    private <T> T pushPull(Object request, boolean viaRegion, Function<PushPullReply, T> use) {
        PushPullReply reply;
        try {
            reply = ClientCalls.blockingUnaryCall(channel, FrameMarshallers.PUSH_PULL, callOptions(), request);
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.UNIMPLEMENTED) {
                pushPullUnavailable = true;
                return null;
            }
            if (viaRegion && code == Status.Code.FAILED_PRECONDITION
                    && ErrorReasons.of(e) == ErrorReason.SHARED_REGION_UNAVAILABLE) {
                return null;
            }
            throw e;
        }
        try {
            return use.apply(reply);
        } finally {
            AliasingMarshaller.release(reply);
        }
    }

    private static void checkLength(long sent, float[] weightsOut) {
        if (sent != weightsOut.length) {
            throw Status.FAILED_PRECONDITION.withDescription("server sends " + sent
                    + " weights, this worker's model has " + weightsOut.length).asRuntimeException();
        }
    }

    private static PushResult result(WeightsHeader h) {
        return new PushResult(h.getVersion(), h.getStaleness(), h.getApplied());
    }

    /**
     * The original path: a client stream of chunks, answered by a stream of chunks. The chunks go out as
     * {@link FloatChunkFrame}s (serialised from {@code gradient} while they are sent, the same bytes as
     * protobuf's) and the reply's chunks are decoded from the transport's buffers (see
     * {@link FrameMarshallers}); {@code gradient} is not touched once this returns.
     */
    private PushResult pushStream(GradientHeader header, float[] gradient, float[] weightsOut) {
        return pushFrames(header, req -> {
            int per = GradientFrames.denseValuesPerChunk(chunkBytes, ValueEncoding.FLOAT32);
            for (int from = 0; from < gradient.length; from += per) {
                req.onNext(new FloatChunkFrame(gradient, from, Math.min(per, gradient.length - from)));
            }
        }, weightsOut, Transport.STREAM);
    }

    /**
     * A streaming Push: the header, the frames {@code body} sends (GradientFrames, or FloatChunkFrames for
     * float32 chunks), half-close; the reply into {@code weightsOut}, decoded from the transport's buffers.
     */
    private PushResult pushFrames(GradientHeader header, Consumer<StreamObserver<Object>> body,
                                  float[] weightsOut, Transport path) {
        WeightsReceiver receiver = new WeightsReceiver(weightsOut);
        StreamObserver<Object> req = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(FrameMarshallers.PUSH, callOptions()), receiver);
        try {
            req.onNext(GradientFrame.newBuilder().setHeader(header).build());
            body.accept(req);
        } catch (RuntimeException e) {
            req.onError(e); // cancels the call: the server sees no half-close, so takes nothing
            throw e;
        }
        req.onCompleted();
        used = path;
        return result(receiver.await(deadlineMillis));
    }

    @Override
    public ServerStatus status() {
        int id = workerId;
        // once registered, a Status is this worker's sign of life: it renews the lease (while --await-workers waits)
        return ProtoMapping.statusFromPages(first -> blocking().status(StatusRequest.newBuilder()
                .setFirstWorker(first).setFromWorker(id >= 0 && first == 0).setWorkerId(Math.max(id, 0)).build()));
    }

    @Override
    public void deregister() {
        blocking().deregister(DeregisterRequest.newBuilder().setWorkerId(workerId).build());
    }

    /** Makes the channel try to connect at once instead of after its own backoff (used between retries). */
    public void resetConnectBackoff() {
        channel.resetConnectBackoff();
    }

    private void closeRegion() {
        if (region != null) {
            region.close();
            region = null;
        }
    }

    /** AUTO could not open the payload socket it was offered (a firewall, a proxy): gRPC from now on. */
    private void payloadUnreachable() {
        payloadUnreachable = true;
        closePayload();
    }

    private void closePayload() {
        if (payload != null) {
            payload.close();
            payload = null;
        }
    }

    @Override
    public void close() {
        closeRegion();
        closePayload();
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
