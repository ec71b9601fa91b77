package dev.momentumps.worker.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.momentumps.server.compensation.DelayCompensation;
import dev.momentumps.server.compensation.StalenessAwareLearningRate;
import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.server.core.CoreSnapshot;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.ShardRole;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.inprocess.InProcessParameterClient;
import dev.momentumps.server.optim.LookAhead;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.TensorCodec;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every transport goes through the core's one pull and one push path, so it must end in exactly the state
 * the in-process client reaches: for every transport (inline PushPull, streamed Push, shared-memory region
 * copied and read in place, two shards, the payload socket) × every update rule × every staleness compensation (and a look-ahead) ×
 * synchronous and fixed-order asynchronous training, the weights, every optimizer state vector, the DC-ASGD backups and
 * mean squares, the weights each worker was last sent and every push's version and staleness are
 * bit-identical to the in-process run. A transport that skips a step of the bookkeeping (the shared region's
 * pull once never told DC-ASGD what it sent) fails here.
 *
 * <p>Workers follow the training loop's protocol: register, worker 0 initialises, each pulls once, then
 * every step pushes a gradient computed on the weights it holds and takes the fresh weights from the reply.
 * Steps go in a fixed order (worker 0, then 1): asynchronous ones from one thread, so every gradient after the
 * first round is one version stale; synchronous ones from each worker's thread, worker 1 pushing once
 * worker 0's gradient has arrived.
 */
class TransportEquivalenceTest {
    private static final int WORKERS = 2;
    private static final int STEPS = 4;
    private static final long WAIT_MS = 20_000;
    /** Tensors up to 4 elements stay whole on a shard: "a" is cut over the two shards, "b" is not. */
    private static final int SPLIT = 4;
    private static final TensorLayout LAYOUT = TensorLayout.builder().add("a", 6).add("b", 3).build();
    private static final ExecutorService THREADS = Executors.newFixedThreadPool(WORKERS);

    /** SHARED_REGION copies the region (a small model); SHARED_REGION_IN_PLACE applies it in place as a big one */
    enum Path { IN_PROCESS, INLINE, STREAM, SHARED_REGION, SHARED_REGION_IN_PLACE, SHARDED, SOCKET }

    enum Compensation {
        NONE(() -> StalenessCompensation.NONE),
        ETA_OVER_TAU(StalenessAwareLearningRate::new),
        DC(() -> new DelayCompensation(2f, false)),
        DC_ADAPTIVE(() -> new DelayCompensation(0.5f, true)),
        LOOK_AHEAD(LookAheadProbe::new);

        final Supplier<StalenessCompensation> make;

        Compensation(Supplier<StalenessCompensation> make) {
            this.make = make;
        }
    }

    @AfterAll
    static void stopThreads() {
        THREADS.shutdownNow();
    }

    /** The update rules that send look-ahead weights themselves. */
    static final java.util.Set<String> LOOK_AHEAD_RULES = java.util.Set.of("nag", "dana");

    static OptimizerConfig config(String rule) {
        return rule.equals("dana") ? OptimizerConfig.builder(rule).workers(WORKERS).build()
                : OptimizerConfig.defaults(rule);
    }

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (String rule : UpdateRules.names()) {
            for (Compensation c : Compensation.values()) {
                for (boolean sync : new boolean[] {true, false}) {
                    if (c == Compensation.LOOK_AHEAD && LOOK_AHEAD_RULES.contains(rule)) {
                        continue; // a rule that looks ahead itself refuses a compensation that does too
                    }
                    if (sync && rule.equals("dana")) {
                        continue; // DANA is defined for asynchronous updates only
                    }
                    all.add(Arguments.of(rule, c, sync));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1} sync={2}")
    @MethodSource("cases")
    void everyTransportEndsInTheInProcessState(String rule, Compensation compensation, boolean sync)
            throws Exception {
        Outcome expected = run(Path.IN_PROCESS, rule, compensation, sync);
        for (Path path : Path.values()) {
            if (path == Path.IN_PROCESS || (path == Path.SHARDED && rule.equals("closed-loop"))) {
                continue; // each shard of a closed-loop server steers its own β from its own elements
            }
            Outcome actual = run(path, rule, compensation, sync);
            assertEquals(expected.vectors.keySet(), actual.vectors.keySet(), path + ": state vectors");
            for (Map.Entry<String, float[]> e : expected.vectors.entrySet()) {
                assertArrayEquals(e.getValue(), actual.vectors.get(e.getKey()), path + ": " + e.getKey());
            }
            assertEquals(expected.pushes, actual.pushes, path + ": version and staleness of every push");
        }
    }

    /** What a run leaves behind: named vectors (concatenated over shards) and each push's result. */
    record Outcome(Map<String, float[]> vectors, List<String> pushes) {
    }

    private static Outcome run(Path path, String rule, Compensation compensation, boolean sync) throws Exception {
        int shards = path == Path.SHARDED ? 2 : 1;
        List<ParameterServerCore> cores = new ArrayList<>();
        List<ServerHost> hosts = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int k = 0; k < shards; k++) {
            OptimizerConfig cfg = config(rule);
            ParameterServerCore core = new ParameterServerCore(UpdateRules.create(cfg), UpdateRules.schedule(cfg), 0f,
                    sync ? new Synchronous() : new Asynchronous(), 1);
            core.setCompensation(compensation.make.get());
            if (path == Path.SHARED_REGION_IN_PLACE) {
                core.setInPlaceAbove(0);
            }
            cores.add(core);
            if (path == Path.SOCKET) {
                // gRPC over loopback TCP for the control calls, the payload socket for every tensor
                ServerHost host = new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                        core, "127.0.0.1", TensorCodec.DEFAULT_CHUNK_BYTES, WAIT_MS)
                        .payloadPort(new InetSocketAddress("127.0.0.1", 0)).start();
                hosts.add(host);
                names.add(Integer.toString(host.port()));
            } else if (path != Path.IN_PROCESS) {
                String name = InProcessServerBuilder.generateName();
                hosts.add(new ServerHost(InProcessServerBuilder.forName(name), core, name,
                        TensorCodec.DEFAULT_CHUNK_BYTES, WAIT_MS,
                        shards > 1 ? new ShardRole(k, shards, SPLIT) : ShardRole.SINGLE).start());
                names.add(name);
            }
        }
        List<ParameterClient> clients = new ArrayList<>();
        try {
            for (int k = 0; k < WORKERS; k++) {
                clients.add(client(path, cores.get(0), names));
            }
            Outcome outcome = train(path, clients, cores, sync);
            for (ParameterServerCore core : cores) {
                collect(core, outcome.vectors);
            }
            return outcome;
        } finally {
            for (ParameterClient c : clients) {
                c.close();
            }
            for (ServerHost h : hosts) {
                h.stop(1_000);
            }
            for (ParameterServerCore core : cores) {
                core.close();
            }
        }
    }

    private static ParameterClient client(Path path, ParameterServerCore core, List<String> names) {
        return switch (path) {
            case IN_PROCESS -> new InProcessParameterClient(core, WAIT_MS);
            case INLINE -> grpc(names.get(0), Transport.UNARY);
            case STREAM -> grpc(names.get(0), Transport.STREAM);
            case SHARED_REGION, SHARED_REGION_IN_PLACE -> grpc(names.get(0), Transport.SHARED_MEMORY);
            case SOCKET -> new GrpcParameterClient(NettyChannelBuilder.forAddress("127.0.0.1",
                    Integer.parseInt(names.get(0))).usePlaintext().build(), true, WAIT_MS, Transport.SOCKET);
            case SHARDED -> {
                List<ManagedChannel> channels = new ArrayList<>();
                for (String n : names) {
                    channels.add(InProcessChannelBuilder.forName(n).build());
                }
                yield new ShardedParameterClient(channels, LAYOUT, SPLIT, WAIT_MS);
            }
        };
    }

    private static GrpcParameterClient grpc(String name, Transport transport) {
        return new GrpcParameterClient(InProcessChannelBuilder.forName(name).build(), true, WAIT_MS, transport);
    }

    private static Outcome train(Path path, List<ParameterClient> clients, List<ParameterServerCore> cores,
                                 boolean sync) throws Exception {
        int n = LAYOUT.numElements();
        float[][] w = new float[WORKERS][n];
        long[] base = new long[WORKERS];
        for (int k = 0; k < WORKERS; k++) {
            clients.get(k).register(k, "worker-" + k);
        }
        float[] w0 = new float[n];
        for (int i = 0; i < n; i++) {
            w0[i] = 0.1f * (i - 4);
        }
        clients.get(0).initialize(LAYOUT, w0);
        for (int k = 0; k < WORKERS; k++) {
            base[k] = clients.get(k).pull(w[k]);
        }
        String[][] pushes = new String[WORKERS][STEPS];
        if (sync) {
            List<Future<?>> running = new ArrayList<>();
            for (int k = 0; k < WORKERS; k++) {
                int worker = k;
                running.add(THREADS.submit(() -> {
                    for (int step = 0; step < STEPS; step++) {
                        if (worker > 0) {
                            awaitPushes(cores, worker - 1, step + 1);
                        }
                        pushes[worker][step] = step(path, clients.get(worker), worker, step, w, base);
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } else {
            for (int step = 0; step < STEPS; step++) {
                for (int k = 0; k < WORKERS; k++) {
                    pushes[k][step] = step(path, clients.get(k), k, step, w, base);
                }
            }
        }
        Map<String, float[]> vectors = new LinkedHashMap<>();
        List<String> results = new ArrayList<>();
        for (int k = 0; k < WORKERS; k++) {
            vectors.put("weights last sent to worker " + k, w[k]);
            results.addAll(Arrays.asList(pushes[k]));
        }
        return new Outcome(vectors, results);
    }

    /**
     * Waits until every core has taken {@code pushes} pushes of worker {@code worker}: synchronous gradients
     * then arrive in rank order, which DC-ASGD's adaptive mean square (updated on arrival) depends on.
     */
    private static void awaitPushes(List<ParameterServerCore> cores, int worker, long pushes)
            throws InterruptedException {
        for (ParameterServerCore core : cores) {
            while (core.status().workers().get(worker).pushes() < pushes) {
                Thread.sleep(1);
            }
        }
    }

    /** One push of worker {@code k} with the fresh weights back; checks the path taken; returns the result. */
    private static String step(Path path, ParameterClient client, int k, int step, float[][] w, long[] base) {
        float[] g = gradient(k, step, w[k]);
        ParameterClient.PushResult r = client.push(base[k], step + 1, g, 0.5, 8, w[k]);
        base[k] = r.version();
        if (client instanceof GrpcParameterClient grpc) {
            assertEquals(switch (path) {
                case INLINE -> Transport.UNARY;
                case STREAM -> Transport.STREAM;
                case SOCKET -> Transport.SOCKET;
                default -> Transport.SHARED_MEMORY;
            }, grpc.lastTransport(), "the path a push took");
        }
        return r.toString();
    }

    /** A gradient that depends on the weights the worker holds, on the worker and on the step. */
    private static float[] gradient(int worker, int step, float[] w) {
        float[] g = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            float target = (float) StrictMath.sin(1 + i + 3 * worker + 7 * step);
            g[i] = (w[i] - target) * (0.5f + 0.25f * i);
        }
        return g;
    }

    /** Appends the core's weights, optimizer state and compensation state to {@code into} (shards in order). */
    private static void collect(ParameterServerCore core, Map<String, float[]> into) {
        CoreSnapshot snap = core.snapshot();
        append(into, "weights", snap.weights());
        for (Map.Entry<String, float[]> e : snap.ruleState().entrySet()) {
            append(into, "optimizer state " + e.getKey(), e.getValue());
        }
        if (core.compensation() instanceof DelayCompensation dc) {
            for (int k = 0; k < WORKERS; k++) {
                float[] bak = dc.backupOf(k);
                assertNotNull(bak, "DC-ASGD backup of worker " + k);
                append(into, "dc-asgd backup of worker " + k, bak);
            }
            float[] ms = dc.meanSquare();
            if (ms != null) {
                append(into, "dc-asgd mean square", ms);
            }
        }
    }

    private static void append(Map<String, float[]> into, String key, float[] part) {
        float[] old = into.get(key);
        if (old == null) {
            into.put(key, part.clone());
            return;
        }
        float[] joined = Arrays.copyOf(old, old.length + part.length);
        System.arraycopy(part, 0, joined, old.length, part.length);
        into.put(key, joined);
    }

    /**
     * A look-ahead through the compensation hook: worker m is sent w − lr·(m + 1)·w/4 (a stand-in for
     * θ − α·m), so every transport must deliver each worker its own look-ahead weights.
     */
    static final class LookAheadProbe implements StalenessCompensation, LookAhead {

        @Override
        public boolean looksAhead(int workerId) {
            return true;
        }

        @Override
        public void lookAhead(int workerId, float[] weights, float lr, float[] out) {
            float f = lr * (workerId + 1) * 0.25f;
            for (int i = 0; i < weights.length; i++) {
                out[i] = weights[i] - f * weights[i];
            }
        }

        @Override
        public String toString() {
            return "look-ahead-probe";
        }
    }
}
