package dev.momentumps.cli.run;

import dev.momentumps.cli.options.RecoveryOptions;
import dev.momentumps.server.checkpoint.CheckpointFormat;
import dev.momentumps.server.checkpoint.CheckpointStore;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.CoreSnapshot;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.ShardRole;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.grpc.StandbyLink;
import dev.momentumps.server.grpc.StandbyService;
import dev.momentumps.server.optim.HeavyBallMomentum;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.client.GrpcParameterClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hot standby given a checkpoint directory ({@code mps server --as-standby --checkpoint-dir}) writes nothing
 * while its primary lives, one checkpoint as it takes over, then checkpoints as a primary does; resuming from
 * its last checkpoint gives its state bit for bit.
 */
class PromotedStandbyCheckpointsTest {
    private static final int N = 1_001;
    private static final long TIMEOUT = 10_000;

    private static ParameterServerCore core() {
        return new ParameterServerCore(new HeavyBallMomentum(0.05f, 0.9f, 0, false), t -> 0.05f, 0,
                new Asynchronous(), 1);
    }

    private static ManagedChannel channel(int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().maxInboundMessageSize(32 << 20).build();
    }

    private static void pushes(ParameterClient c, int n, long firstSequence) {
        float[] w = new float[N];
        float[] g = new float[N];
        for (int k = 0; k < n; k++) {
            long version = c.pull(w);
            for (int i = 0; i < N; i++) {
                g[i] = w[i] - 0.5f + (float) Math.cos(k * 1.3 + i * 0.11) * 0.1f;
            }
            assertTrue(c.push(version, firstSequence + k, g, 0.25, 8, null).applied());
        }
    }

    /** {@code s} as a resumed core holds it: its workers come back as not alive until they register again. */
    private static CoreSnapshot asResumed(CoreSnapshot s) {
        List<CoreSnapshot.WorkerState> gone = s.workers().stream().map(w -> new CoreSnapshot.WorkerState(w.id(),
                w.rank(), w.name(), w.pushes(), w.lastSequence(), false, w.stalenessHistogram())).toList();
        return new CoreSnapshot(s.layout(), s.weights(), s.version(), s.updateRule(), s.ruleState(),
                s.gradientsApplied(), s.gradientsDropped(), s.stalenessHistogram(), gone, s.extensions(),
                s.recentLosses(), s.pushesByPath());
    }

    private static List<Path> checkpoints(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".mps")).sorted().toList();
        }
    }

    @Test
    void aPromotedStandbyCheckpointsAndItsCheckpointResumesItsStateBitForBit(@TempDir Path dir) throws Exception {
        RecoveryOptions o = new RecoveryOptions();
        o.checkpointDir = dir;
        o.checkpointEvery = 5;
        o.checkpointSeconds = 0;
        o.keepCheckpoints = 10;
        o.leaseMillis = 0;
        ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

        ParameterServerCore primary = core();
        ParameterServerCore standby = core();
        StandbyService service = new StandbyService(standby, log::println);
        Recovery recovery = Recovery.start(standby, o, log, null, service);
        ServerHost standbyHost = new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                standby, "127.0.0.1", 1 << 20, TIMEOUT, ShardRole.SINGLE, service).start();
        ManagedChannel link = channel(standbyHost.port());
        StandbyLink standbyLink = StandbyLink.attach(link, "standby", primary, TIMEOUT, 1 << 20, log::println);
        ServerHost primaryHost = new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                primary, "127.0.0.1", 1 << 20, TIMEOUT).start();
        try {
            ParameterClient first = new GrpcParameterClient(channel(primaryHost.port()), true, TIMEOUT);
            first.register(0, "w0");
            float[] w0 = new float[N];
            for (int i = 0; i < N; i++) {
                w0[i] = (float) Math.sin(i * 0.37);
            }
            first.initialize(TensorLayout.builder().add("w", N).build(), w0);
            pushes(first, 12, 1);
            primary.replication().awaitReplicated();
            assertEquals(List.of(), checkpoints(dir), "a standby whose primary lives writes no checkpoint");

            primaryHost.stop(0); // the primary dies: no more calls, then its stream ends
            link.shutdownNow();
            first.close();
            long deadline = System.nanoTime() + 10_000_000_000L;
            // the standby serves, then writes the state it took over (on the thread that saw the stream end)
            while (!recovery.checkpointer().started() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(StandbyService.State.SERVING, service.state());
            assertEquals(12, standby.version());
            assertEquals(List.of(dir.resolve(String.format("ckpt-%020d.mps", 12))), checkpoints(dir),
                    "one checkpoint as it takes over");

            ParameterClient second = new GrpcParameterClient(channel(standbyHost.port()), true, TIMEOUT);
            second.register(0, "w0");
            pushes(second, 13, 13);
            assertEquals(25, standby.version());
            assertEquals(List.of(dir.resolve(String.format("ckpt-%020d.mps", 12)),
                    dir.resolve(String.format("ckpt-%020d.mps", 17)), dir.resolve(String.format("ckpt-%020d.mps", 22))),
                    checkpoints(dir), () -> "then every 5 updates, as a primary: " + logBytes.toString(StandardCharsets.UTF_8));
            second.close();
        } finally {
            standbyLink.close();
            link.shutdownNow();
            primaryHost.stop(1_000);
            standbyHost.stop(1_000);
            recovery.close(); // the final checkpoint, as mps server writes when it stops
        }
        assertTrue(Files.exists(dir.resolve(String.format("ckpt-%020d.mps", 25))), logBytes.toString(StandardCharsets.UTF_8));

        RecoveryOptions resume = new RecoveryOptions();
        resume.resume = dir;
        resume.leaseMillis = 0;
        resume.checkpointSeconds = 0;
        ParameterServerCore resumed = core();
        Recovery again = Recovery.start(resumed, resume, log, null);
        again.close();
        assertEquals(25, resumed.version());
        assertArrayEquals(CheckpointFormat.encode(standby.snapshot()), Files.readAllBytes(dir.resolve(
                String.format("ckpt-%020d.mps", 25))), "the last checkpoint holds the promoted standby's state");
        assertArrayEquals(CheckpointFormat.encode(asResumed(standby.snapshot())),
                CheckpointFormat.encode(resumed.snapshot()),
                "weights, momentum, version, workers and counters of the promoted standby");
        assertEquals(25, new CheckpointStore(dir, 10).loadNewestValid(m -> { }).snapshot().version());
    }
}
