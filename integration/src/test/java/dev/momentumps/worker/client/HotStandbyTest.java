package dev.momentumps.worker.client;

import dev.momentumps.server.checkpoint.CheckpointFormat;
import dev.momentumps.server.compensation.DelayCompensation;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.ConsistencyModel;
import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.server.core.CoreSnapshot;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.ShardRole;
import dev.momentumps.server.core.UpdateListener;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.grpc.StandbyLink;
import dev.momentumps.server.grpc.StandbyService;
import dev.momentumps.server.optim.HeavyBallMomentum;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.loop.GradientSource;
import dev.momentumps.worker.loop.TrainingLoop;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A primary replicating to a hot standby over real Netty, with workers that fail over
 * ({@link FailoverParameterClient}): the standby's state is the primary's bit for bit, a synchronous run whose
 * primary dies mid-run ends with exactly the weights and optimizer state of the run without a failure, no
 * acknowledged asynchronous update is lost, and the refusals say what is wrong.
 */
class HotStandbyTest {
    private static final int N = 3_001;
    private static final int WORKERS = 3;
    private static final int STEPS = 40;
    private static final long TIMEOUT = 10_000;

    /** A primary and its standby, each on a loopback port. */
    private static final class Pair implements AutoCloseable {
        final ParameterServerCore primary;
        final ParameterServerCore standby;
        final ServerHost primaryHost;
        final ServerHost standbyHost;
        final StandbyService standbyService;
        final ManagedChannel link;
        final StandbyLink standbyLink;
        final List<String> log = new CopyOnWriteArrayList<>();

        Pair(Supplier<ParameterServerCore> cores) throws Exception {
            primary = cores.get();
            standby = cores.get();
            standbyService = new StandbyService(standby, log::add);
            standbyHost = new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), standby,
                    "127.0.0.1", 1 << 20, TIMEOUT, ShardRole.SINGLE, standbyService).start();
            link = channel(standbyHost.port());
            standbyLink = StandbyLink.attach(link, "127.0.0.1:" + standbyHost.port(), primary, TIMEOUT, 1 << 20,
                    log::add);
            primaryHost = new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), primary,
                    "127.0.0.1", 1 << 20, TIMEOUT).start();
        }

        /**
         * The primary dies: no more calls, then no graceful end of the replication stream. In that order: a
         * primary that loses its link first goes on without a standby (and may acknowledge updates the standby
         * never gets), which is the lost-standby case, not a dead primary.
         */
        void killPrimary() throws InterruptedException {
            primaryHost.stop(0);
            link.shutdownNow();
        }

        ParameterClient worker() {
            return new FailoverParameterClient(List.of(
                    new GrpcParameterClient(channel(primaryHost.port()), true, TIMEOUT, Transport.TCP),
                    new GrpcParameterClient(channel(standbyHost.port()), true, TIMEOUT, Transport.TCP)),
                    List.of("primary", "standby"), TIMEOUT, 1, log::add);
        }

        @Override
        public void close() throws Exception {
            standbyLink.close();
            link.shutdownNow();
            primaryHost.stop(1_000);
            standbyHost.stop(1_000);
        }
    }

    private static ManagedChannel channel(int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().maxInboundMessageSize(32 << 20).build();
    }

    private static ParameterServerCore core(ConsistencyModel consistency, boolean dcAsgd) {
        ParameterServerCore c = new ParameterServerCore(new HeavyBallMomentum(0.05f, 0.9f, 0, false), t -> 0.05f, 0,
                consistency, 1);
        if (dcAsgd) {
            c.setCompensation(new DelayCompensation(0.5f, false));
        }
        return c;
    }

    /** A deterministic noisy quadratic: the gradient depends on the weights, the rank and the step only. */
    private static final class Quadratic implements GradientSource {
        private final int rank;
        private long step;

        Quadratic(int rank) {
            this.rank = rank;
        }

        @Override
        public TensorLayout layout() {
            return TensorLayout.builder().add("w", N).build();
        }

        @Override
        public void initialWeights(float[] w) {
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) Math.sin(i * 0.37);
            }
        }

        @Override
        public double next(float[] w, float[] g) {
            step++;
            double loss = 0;
            for (int i = 0; i < w.length; i++) {
                float noise = (float) Math.cos(step * 1.3 + rank * 2.1 + i * 0.11) * 0.1f;
                g[i] = (w[i] - 0.5f) + noise;
                loss += 0.5 * (w[i] - 0.5f) * (w[i] - 0.5f);
            }
            return loss / w.length;
        }

        @Override
        public int lastBatchSize() {
            return 8;
        }
    }

    /** Runs the workers to the end, each through its own client; returns the pushes each saw applied. */
    private static long[] train(Supplier<ParameterClient> clients, List<ParameterClient> made) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        try {
            List<Future<Long>> runs = new ArrayList<>();
            for (int r = 0; r < WORKERS; r++) {
                int rank = r;
                ParameterClient c = clients.get();
                made.add(c);
                // every round has the whole world: without the barrier a late worker misses the first rounds
                ParameterClient all = new RegistrationBarrier(c, WORKERS, TIMEOUT);
                runs.add(pool.submit(() -> {
                    AtomicLong applied = new AtomicLong();
                    new TrainingLoop(all, new Quadratic(rank), rank, "w" + rank, STEPS, 0, (step, loss, res) -> {
                        if (res.applied()) {
                            applied.incrementAndGet();
                        }
                    }).run();
                    return applied.get();
                }));
            }
            long[] applied = new long[WORKERS];
            for (int r = 0; r < WORKERS; r++) {
                applied[r] = runs.get(r).get(60, TimeUnit.SECONDS);
            }
            return applied;
        } finally {
            pool.shutdownNow();
        }
    }

    private static byte[] state(ParameterServerCore core) throws Exception {
        CoreSnapshot s = core.snapshot();
        assertNotNull(s);
        return CheckpointFormat.encode(s);
    }

    @Test
    void theStandbysStateIsThePrimarysBitForBit() throws Exception {
        // asynchronous, with DC-ASGD: the compensation keeps what each worker was sent, so pulls are replicated too
        try (Pair pair = new Pair(() -> core(new Asynchronous(), true))) {
            List<ParameterClient> made = new ArrayList<>();
            long[] applied = train(pair::worker, made);
            pair.primary.replication().awaitReplicated();
            assertEquals((long) WORKERS * STEPS, pair.primary.status().gradientsApplied());
            assertArrayEquals(state(pair.primary), state(pair.standby),
                    "weights, optimizer and compensation state, version, workers and counters");
            assertEquals(WORKERS * (long) STEPS, java.util.Arrays.stream(applied).sum());
            assertNull(pair.standbyLink.lostReason());
            made.forEach(ParameterClient::close);
        }
    }

    /**
     * A primary resumed from a checkpoint (mps server --resume) sends its whole state to the standby first,
     * then the operations: after a second run on it the standby's state is the primary's byte for byte.
     */
    @Test
    void aStandbyOfAPrimaryResumedFromACheckpointEndsWithItsStateBitForBit() throws Exception {
        ParameterServerCore first = core(new Asynchronous(), true);
        List<ParameterClient> made = new ArrayList<>();
        ServerHost host = new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), first,
                "127.0.0.1", 1 << 20, TIMEOUT).start();
        try {
            train(() -> new GrpcParameterClient(channel(host.port()), true, TIMEOUT, Transport.TCP), made);
        } finally {
            made.forEach(ParameterClient::close);
            host.stop(1_000);
        }
        byte[] checkpoint = state(first);
        java.util.concurrent.atomic.AtomicInteger cores = new java.util.concurrent.atomic.AtomicInteger();
        try (Pair pair = new Pair(() -> {
            ParameterServerCore c = core(new Asynchronous(), true);
            if (cores.getAndIncrement() == 0) { // the primary, resumed as mps server --resume does
                try {
                    c.restore(CheckpointFormat.decode(checkpoint, java.nio.file.Path.of("ckpt-test.mps")));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            return c;
        })) {
            pair.primary.replication().awaitReplicated();
            assertEquals((long) WORKERS * STEPS, pair.standby.status().gradientsApplied());
            assertArrayEquals(state(pair.primary), state(pair.standby), "the resumed state arrives first");
            made.clear();
            train(pair::worker, made);
            pair.primary.replication().awaitReplicated();
            assertEquals(2L * WORKERS * STEPS, pair.primary.status().gradientsApplied());
            assertArrayEquals(state(pair.primary), state(pair.standby),
                    "weights, optimizer and compensation state, version, workers and counters");
            assertNull(pair.standbyLink.lostReason());
            made.forEach(ParameterClient::close);
        }
    }

    @Test
    void aSynchronousRunWhosePrimaryDiesEndsWithTheWeightsOfTheRunWithout() throws Exception {
        byte[] expectedWeights;
        byte[] expectedState;
        try (Pair reference = new Pair(() -> core(new Synchronous(), false))) {
            List<ParameterClient> made = new ArrayList<>();
            train(reference::worker, made);
            expectedWeights = floats(reference.primary.weights());
            expectedState = ruleState(reference.primary);
            assertEquals(STEPS, reference.primary.version(), "the run without a failure: one version per round");
            made.forEach(ParameterClient::close);
        }
        try (Pair pair = new Pair(() -> core(new Synchronous(), false))) {
            AtomicBoolean killed = new AtomicBoolean();
            // mid-round traffic: other workers are pushing the next round
            Thread killer = killPrimaryAt(pair, STEPS / 3, killed);
            List<ParameterClient> made = new ArrayList<>();
            long[] applied = train(pair::worker, made);
            killer.join();
            assertTrue(killed.get());
            assertEquals(STEPS, pair.standby.version(), "one version per round, none lost, none doubled");
            assertEquals(StandbyService.State.SERVING, pair.standbyService.state());
            for (ParameterClient c : made) {
                assertEquals(1, ((FailoverParameterClient) c).failovers(), "every worker failed over once");
            }
            for (long a : applied) {
                assertEquals(STEPS, a);
            }
            assertArrayEquals(expectedWeights, floats(pair.standby.weights()), "weights bit for bit");
            assertArrayEquals(expectedState, ruleState(pair.standby),
                    "momentum bit for bit");
            assertTrue(pair.primary.version() < STEPS, "the primary died mid-run");
            made.forEach(ParameterClient::close);
        }
    }

    /** A thread that kills the pair's primary, started by the primary's listener once it applies {@code at}. */
    private static Thread killPrimaryAt(Pair pair, long at, AtomicBoolean killed) {
        Thread killer = new Thread(() -> {
            try {
                pair.killPrimary();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        pair.primary.addListener(new UpdateListener() {
            @Override
            public void onApplied(long version, int workerId, long staleness, double loss, long nanos) {
                if (version == at && killed.compareAndSet(false, true)) {
                    killer.start();
                }
            }
        });
        return killer;
    }

    @Test
    void noAcknowledgedAsynchronousUpdateIsLost() throws Exception {
        try (Pair pair = new Pair(() -> core(new Asynchronous(), false))) {
            AtomicBoolean killed = new AtomicBoolean();
            Thread killer = killPrimaryAt(pair, STEPS, killed);
            List<ParameterClient> made = new ArrayList<>();
            // as the CLI does: a push computed on weights the standby never had is dropped (it was never acknowledged)
            long[] acked = train(() -> new ReconnectingParameterClient(pair.worker(), 10, 100, TIMEOUT, 1, m -> { },
                    null), made);
            killer.join();
            ServerStatus s = pair.standby.status();
            long total = 0;
            for (int r = 0; r < WORKERS; r++) {
                // a worker that registers again while its record is alive (after a dropped push) gets a new id
                long pushes = 0;
                for (ServerStatus.Worker w : s.workers()) {
                    pushes += w.rank() == r ? w.pushes() : 0;
                }
                assertTrue(pushes >= acked[r], "rank " + r + ": " + acked[r] + " acknowledged, the standby has "
                        + pushes);
                total += acked[r];
            }
            assertTrue(s.gradientsApplied() >= total, s.gradientsApplied() + " applied < " + total + " acknowledged");
            assertEquals(s.gradientsApplied(), s.version(), "asynchronous: one version per applied gradient");
            assertTrue(total >= WORKERS * (long) STEPS - WORKERS, "at most one push per worker was in flight: " + total);
            made.forEach(ParameterClient::close);
        }
    }

    @Test
    void anUnreachableStandbyIsRefusedNamingTheFlag() throws Exception {
        ParameterServerCore c = core(new Synchronous(), false);
        ManagedChannel nowhere = channel(closedPort());
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> StandbyLink.attach(nowhere, "127.0.0.1:1", c, 2_000, 1 << 20, m -> { }));
            assertTrue(e.getMessage().startsWith("--standby 127.0.0.1:1: the standby did not attach"), e.getMessage());
            assertEquals(dev.momentumps.server.core.Replication.NONE, c.replication());
        } finally {
            nowhere.shutdownNow();
        }
    }

    @Test
    void aStandbyWithOtherSettingsIsRefusedAndOneWithAPrimaryRefusesWorkers() throws Exception {
        try (Pair pair = new Pair(() -> core(new Synchronous(), false))) {
            ParameterServerCore other = new ParameterServerCore(new HeavyBallMomentum(0.1f, 0.9f, 0, false),
                    t -> 0.1f, 0, new Synchronous(), 1);
            ParameterServerCore fresh = core(new Synchronous(), false);
            StandbyService s2 = new StandbyService(fresh, m -> { });
            try (ServerHost h2 = new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                    fresh, "127.0.0.1", 1 << 20, TIMEOUT, ShardRole.SINGLE, s2).start()) {
                ManagedChannel ch = channel(h2.port());
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> StandbyLink.attach(ch, "x", other, TIMEOUT, 1 << 20, m -> { }));
                assertTrue(e.getMessage().contains("lr=0.1") && e.getMessage().contains("lr=0.05"), e.getMessage());
                assertEquals(StandbyService.State.WAITING, s2.state(), "a refused hello changes nothing");
                ch.shutdownNow();
            }
            // a second primary cannot attach to a standby that has one
            ManagedChannel ch = channel(pair.standbyHost.port());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> StandbyLink.attach(ch, "y", core(new Synchronous(), false), TIMEOUT, 1 << 20, m -> { }));
            assertTrue(e.getMessage().contains("a primary attaches once"), e.getMessage());
            ch.shutdownNow();
            // workers are refused while the primary is attached
            try (GrpcParameterClient direct = new GrpcParameterClient(channel(pair.standbyHost.port()), true, TIMEOUT,
                    Transport.TCP)) {
                StatusRuntimeException r = assertThrows(StatusRuntimeException.class, () -> direct.register(0, "w"));
                assertEquals(Status.Code.UNAVAILABLE, r.getStatus().getCode());
                assertTrue(r.getStatus().getDescription().contains("hot standby"), r.getStatus().getDescription());
            }
        }
    }

    @Test
    void aPrimaryThatLosesItsStandbyGoesOnAndSaysSo() throws Exception {
        try (Pair pair = new Pair(() -> core(new Asynchronous(), false))) {
            try (ParameterClient w = pair.worker()) {
                w.register(0, "w0");
                Quadratic q = new Quadratic(0);
                float[] weights = new float[N];
                q.initialWeights(weights);
                w.initialize(q.layout(), weights);
                float[] g = new float[N];
                q.next(weights, g);
                assertEquals(1, w.push(0, 1, g, 0, 8, weights).version());
                assertNull(pair.standbyLink.lostReason());
                pair.standbyHost.stop(0);
                ParameterClient.PushResult r = w.push(1, 2, g, 0, 8, weights);
                assertTrue(r.applied());
                assertEquals(2, r.version());
                assertNotNull(pair.standbyLink.lostReason());
                assertTrue(pair.log.stream().anyMatch(m -> m.contains("going on WITHOUT a standby")), pair.log.toString());
                assertEquals(3, w.push(2, 3, g, 0, 8, weights).version(), "the primary goes on");
            }
        }
    }

    /** Every optimizer state vector, end to end, in the rule's order (under the core's lock, settled). */
    private static byte[] ruleState(ParameterServerCore core) {
        CoreSnapshot s = core.snapshot();
        assertTrue(!s.ruleState().isEmpty(), "momentum keeps a state vector");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (float[] v : s.ruleState().values()) {
            out.writeBytes(floats(v));
        }
        return out.toByteArray();
    }

    private static byte[] floats(float[] v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * v.length);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static int closedPort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
