package dev.momentumps.worker.client;

import dev.momentumps.proto.InitializeFrame;
import dev.momentumps.proto.InitializeHeader;
import dev.momentumps.proto.InitializeReply;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.wire.ProtoMapping;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.ShardPlan;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.TensorCodec;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * A {@link ParameterClient} over S server shards: the flat vector is cut by a {@link ShardPlan}, shard
 * {@code k}'s server holds {@code [begin(k), end(k))}, and every call goes to all shards at once (one
 * thread per shard), each through its own {@link GrpcParameterClient}.
 *
 * <p>Versions: each shard counts its own versions (in synchronous mode they move in lockstep; in
 * asynchronous mode they may differ by the pushes in flight). This client remembers the version of each
 * shard's part of the weights it last handed out and pushes each part's gradient against that part's
 * version, so staleness is measured per shard exactly as with one server. The version it returns is the
 * smallest of the shards'; the staleness it returns is the largest; a push counts as applied only if every
 * shard applied its part.
 *
 * <p>Gradient clipping: each shard's update rule sees only its own part, so a server's {@code --clip-norm}
 * would clip each part to that norm rather than the whole gradient. The servers therefore refuse
 * {@code --clip-norm} when sharded unless told {@code --clip-per-shard} (see ServerCommand).
 */
public final class ShardedParameterClient implements ParameterClient {
    private final ShardPlan plan;
    private final List<GrpcParameterClient> shards = new ArrayList<>();
    private final List<ManagedChannel> channels;
    private final long deadlineMillis;
    private final ExecutorService pool;
    private final float[][] parts;
    private final float[][] gradParts;
    private final long[] versions;
    private final int[] workerIds;
    private long lastVersion;

    /**
     * @param channels       one per shard, in shard order (shut down on {@link #close})
     * @param layout         the whole model's layout; the plan is computed from it and the number of shards
     * @param splitThreshold tensors up to this size stay whole on one shard (servers use
     *                       {@link ShardPlan#DEFAULT_SPLIT_THRESHOLD})
     * @param deadlineMillis deadline of every call
     */
    public ShardedParameterClient(List<ManagedChannel> channels, TensorLayout layout, int splitThreshold,
                                  long deadlineMillis) {
        if (channels.isEmpty()) {
            throw new IllegalArgumentException("a sharded client needs at least one server");
        }
        this.plan = new ShardPlan(layout, channels.size(), splitThreshold);
        this.channels = List.copyOf(channels);
        this.deadlineMillis = deadlineMillis;
        int s = channels.size();
        for (ManagedChannel c : channels) {
            shards.add(new GrpcParameterClient(c, true, deadlineMillis));
        }
        this.parts = new float[s][];
        this.gradParts = new float[s][];
        for (int k = 0; k < s; k++) {
            parts[k] = new float[plan.size(k)];
            gradParts[k] = new float[plan.size(k)];
        }
        this.versions = new long[s];
        this.workerIds = new int[s];
        java.util.Arrays.fill(workerIds, -1);
        this.pool = Executors.newFixedThreadPool(s, r -> {
            Thread t = new Thread(r, "mps-shard-client");
            t.setDaemon(true);
            return t;
        });
    }

    public ShardPlan plan() {
        return plan;
    }

    /** Runs {@code call} for every shard in parallel and returns the results in shard order. */
    private <T> List<T> onAllShards(IntFunction<T> call) {
        List<CompletableFuture<T>> futures = new ArrayList<>();
        for (int k = 0; k < shards.size(); k++) {
            int shard = k;
            futures.add(CompletableFuture.supplyAsync(() -> call.apply(shard), pool));
        }
        List<T> out = new ArrayList<>(futures.size());
        for (CompletableFuture<T> f : futures) {
            // every shard call has its own deadline; this bound only guards against a lost future
            out.add(Futures.await(f, deadlineMillis + 5_000));
        }
        return out;
    }

    @Override
    public Registration register(int rank, String name) {
        List<Registration> regs = onAllShards(k -> shards.get(k).register(rank, name));
        Registration first = regs.get(0);
        for (int k = 0; k < regs.size(); k++) {
            Registration r = regs.get(k);
            workerIds[k] = r.workerId();
            versions[k] = r.version();
            if (!r.mode().equals(first.mode()) || !r.updateRule().equals(first.updateRule())
                    || r.stalenessBound() != first.stalenessBound()) {
                throw new IllegalStateException("the shards disagree: shard 0 runs " + first.updateRule() + ", mode "
                        + first.mode() + "; shard " + k + " runs " + r.updateRule() + ", mode " + r.mode()
                        + " (start every shard with the same optimizer and consistency flags)");
            }
        }
        lastVersion = min(versions);
        return new Registration(first.workerId(), first.mode(), first.updateRule(), first.stalenessBound(),
                lastVersion);
    }

    @Override
    public boolean initialize(TensorLayout layout, float[] weights) {
        if (!layout.equals(plan.layout())) {
            throw new IllegalArgumentException("layout " + layout + " is not the layout this client was made for: "
                    + plan.layout());
        }
        List<Boolean> first = onAllShards(k -> initializeShard(k, weights));
        return first.contains(Boolean.TRUE);
    }

    /** Initialize on shard k with its part of the weights and the whole model's layout, for the server's check. */
    private boolean initializeShard(int k, float[] weights) {
        SingleReply<InitializeReply> reply = new SingleReply<>("Initialize");
        StreamObserver<InitializeFrame> req = ParameterServerGrpc.newStub(channels.get(k))
                .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).initialize(reply);
        req.onNext(InitializeFrame.newBuilder().setHeader(InitializeHeader.newBuilder().setWorkerId(workerIds[k])
                .setLayout(ProtoMapping.toProto(plan.shardLayout(k))).setModelLayout(ProtoMapping.toProto(plan.layout())))
                .build());
        int per = TensorCodec.elementsPerChunk(TensorCodec.DEFAULT_CHUNK_BYTES);
        int end = plan.end(k);
        for (int from = plan.begin(k); from < end; from += per) {
            int n = Math.min(per, end - from);
            req.onNext(InitializeFrame.newBuilder().setChunk(TensorCodec.encode(weights, from, n)
                    .toBuilder().setOffset(from - plan.begin(k))).build());
        }
        req.onCompleted();
        return !reply.await(deadlineMillis).getAlreadyInitialized();
    }

    @Override
    public long pull(float[] out) {
        checkLength(out, "weights buffer");
        List<Long> vs = onAllShards(k -> shards.get(k).pull(parts[k]));
        return gather(vs, out);
    }

    @Override
    public PushResult push(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                           float[] weightsOut) {
        checkLength(gradient, "gradient");
        if (weightsOut != null) {
            checkLength(weightsOut, "weights buffer");
        }
        if (baseVersion != lastVersion) {
            throw new IllegalArgumentException("base version " + baseVersion + " is not the version this client last "
                    + "returned (" + lastVersion + "): a sharded push is based on the weights last pulled through it");
        }
        for (int k = 0; k < shards.size(); k++) {
            System.arraycopy(gradient, plan.begin(k), gradParts[k], 0, plan.size(k));
        }
        List<PushResult> rs = onAllShards(k -> shards.get(k).push(versions[k], sequence, gradParts[k], loss,
                batchSize, weightsOut == null ? null : parts[k]));
        long staleness = 0;
        boolean applied = true;
        List<Long> vs = new ArrayList<>(rs.size());
        for (PushResult r : rs) {
            staleness = Math.max(staleness, r.staleness());
            applied &= r.applied();
            vs.add(r.version());
        }
        long version;
        if (weightsOut != null) {
            version = gather(vs, weightsOut);
        } else {
            version = min(vs.stream().mapToLong(Long::longValue).toArray());
        }
        return new PushResult(version, staleness, applied);
    }

    /** Copies every shard's part into {@code out}, records the parts' versions; returns the smallest. */
    private long gather(List<Long> shardVersions, float[] out) {
        for (int k = 0; k < shards.size(); k++) {
            System.arraycopy(parts[k], 0, out, plan.begin(k), plan.size(k));
            versions[k] = shardVersions.get(k);
        }
        lastVersion = min(versions);
        return lastVersion;
    }

    private static long min(long[] values) {
        long m = Long.MAX_VALUE;
        for (long v : values) {
            m = Math.min(m, v);
        }
        return m;
    }

    private void checkLength(float[] a, String what) {
        if (a.length != plan.layout().numElements()) {
            throw new IllegalArgumentException(what + " has " + a.length + " elements, the model has "
                    + plan.layout().numElements());
        }
    }

    /**
     * Shard 0's counters (every shard sees every gradient, so they count alike), with the smallest version
     * of all shards, the whole model's size, and initialised only when every shard is.
     */
    @Override
    public ServerStatus status() {
        List<ServerStatus> all = onAllShards(k -> shards.get(k).status());
        ServerStatus s = all.get(0);
        long version = Long.MAX_VALUE;
        boolean initialized = true;
        for (ServerStatus x : all) {
            version = Math.min(version, x.version());
            initialized &= x.initialized();
        }
        return new ServerStatus(version, s.gradientsApplied(), s.gradientsDropped(), initialized, s.mode(),
                s.stalenessBound(), s.updateRule(), plan.layout().numElements(), s.workers(), s.staleness(),
                s.recentLoss(), s.pushesByPath());
    }

    /** The fewest workers any shard has seen register (a worker registers with every shard in turn). */
    public int fewestWorkersRegistered() {
        int fewest = Integer.MAX_VALUE;
        for (ServerStatus s : onAllShards(k -> shards.get(k).status())) {
            fewest = Math.min(fewest, s.workers().size());
        }
        return fewest;
    }

    @Override
    public void deregister() {
        onAllShards(k -> {
            shards.get(k).deregister();
            return null;
        });
    }

    @Override
    public void close() {
        for (GrpcParameterClient c : shards) {
            c.close();
        }
        pool.shutdownNow();
    }
}
