package dev.momentumps.server.grpc;

import dev.momentumps.proto.DeregisterReply;
import dev.momentumps.proto.DeregisterRequest;
import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.InitializeFrame;
import dev.momentumps.proto.InitializeReply;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.PullRequest;
import dev.momentumps.proto.PushPullReply;
import dev.momentumps.proto.PushPullRequest;
import dev.momentumps.proto.RegisterReply;
import dev.momentumps.proto.RegisterRequest;
import dev.momentumps.proto.StatusReply;
import dev.momentumps.proto.StatusRequest;
import dev.momentumps.proto.WeightsFrame;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.ShardRole;
import dev.momentumps.wire.ShardPlan;
import io.grpc.stub.StreamObserver;

/**
 * The gRPC face of {@link ParameterServerCore}: one handler per RPC ({@link RegisterCall},
 * {@link InitializeCall}, {@link PullCall}, {@link PushCall}, {@link PushPullCall}, {@link StatusCall},
 * {@link DeregisterCall}) decodes frames, hands the core whole requests and maps its refusals to statuses.
 * No training logic lives here: every pull and push goes through the core's one pull and one push path.
 */
public final class ParameterServerService extends ParameterServerGrpc.ParameterServerImplBase {
    private final RegisterCall register;
    private final InitializeCall initialize;
    private final PullCall pull;
    private final PushCall push;
    private final PushPullCall pushPull;
    private final StatusCall status;
    private final DeregisterCall deregister;
    private final Admission admission;
    private final PayloadSockets payload;

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
        RpcSupport rpc = new RpcSupport(core, chunkBytes, waitMillis, shard);
        this.admission = rpc.admission;
        WorkerRegions regions = new WorkerRegions(sharedRegions);
        this.payload = new PayloadSockets(rpc, m -> System.err.println("momentum-ps server: " + m));
        this.register = new RegisterCall(rpc, address, regions.hostId(), payload);
        this.initialize = new InitializeCall(rpc);
        this.pull = new PullCall(rpc);
        this.push = new PushCall(rpc);
        this.pushPull = new PushPullCall(rpc, regions);
        this.status = new StatusCall(core);
        this.deregister = new DeregisterCall(core, regions);
    }

    /** Bytes the Push and Initialize streams in flight hold now (see {@link Admission}). */
    public long inflightBytesHeld() {
        return admission.held();
    }

    /** The budget those streams share ({@code --inflight-mib}). */
    public long inflightBudget() {
        return admission.budget();
    }

    /** The payload socket (not listening until {@link ServerHost#payloadPort} asks it to). */
    PayloadSockets payloadSockets() {
        return payload;
    }

    @Override
    public void register(RegisterRequest request, StreamObserver<RegisterReply> out) {
        register.handle(request, out);
    }

    @Override
    public StreamObserver<InitializeFrame> initialize(StreamObserver<InitializeReply> out) {
        return initialize.handle(out);
    }

    @Override
    public void pull(PullRequest request, StreamObserver<WeightsFrame> out) {
        pull.handle(request, out, WeightsFrames.PROTO);
    }

    /** Pull writing its reply frames with {@code frames} (see {@link FramedService#bind}). */
    <R> void pull(PullRequest request, StreamObserver<R> out, WeightsFrames<R> frames) {
        pull.handle(request, out, frames);
    }

    @Override
    public StreamObserver<GradientFrame> push(StreamObserver<WeightsFrame> out) {
        return push.handle(out, WeightsFrames.PROTO);
    }

    /** Push writing its reply frames with {@code frames} (see {@link FramedService#bind}). */
    <R> StreamObserver<GradientFrame> push(StreamObserver<R> out, WeightsFrames<R> frames) {
        return push.handle(out, frames);
    }

    @Override
    public void pushPull(PushPullRequest request, StreamObserver<PushPullReply> out) {
        pushPull.handle(request, out, PushPullReplies.PROTO);
    }

    /** PushPull writing its reply with {@code replies} (see {@link FramedService#bind}). */
    <R> void pushPull(PushPullRequest request, StreamObserver<R> out, PushPullReplies<R> replies) {
        pushPull.handle(request, out, replies);
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusReply> out) {
        status.handle(request, out);
    }

    @Override
    public void deregister(DeregisterRequest request, StreamObserver<DeregisterReply> out) {
        deregister.handle(request, out);
    }
}
