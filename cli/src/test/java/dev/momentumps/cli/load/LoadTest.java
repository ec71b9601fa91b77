package dev.momentumps.cli.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.cli.run.Channels;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.client.GrpcParameterClient;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * 64 workers, each with its own TCP connection, push (getting weights back) and pull against one server
 * over loopback gRPC: no call fails, the server applied exactly the pushes it acknowledged, and the heap
 * after the run is back near where it started.
 *
 * <p>The quick suite runs it for 3 s; the load test proper is 60 s:
 * {@code ./mvnw -B -pl cli -am test -Pload} (or {@code -Dmps.load.seconds=60 -Dtest=LoadTest}).
 */
class LoadTest {
    private static final int WORKERS = 64;
    private static final int N = 10_000;
    private static final int MIN_STEPS = 16;

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void sixtyFourWorkersPushAndPullWithNoErrorAndNoLostUpdate() throws Exception {
        long seconds = Long.getLong("mps.load.seconds", 3);
        OptimizerConfig c = OptimizerConfig.defaults("momentum");
        ParameterServerCore core = new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0,
                new Asynchronous(), 1);
        ServerHost host = new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), core,
                "load", 1 << 20, 30_000).start();
        AtomicLong acked = new AtomicLong();
        AtomicLong pulls = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        long heapBefore = usedHeapAfterGc();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        try {
            for (int r = 0; r < WORKERS; r++) {
                int rank = r;
                Thread t = new Thread(() -> {
                    try (GrpcParameterClient client = new GrpcParameterClient(
                            Channels.forAddress("127.0.0.1:" + host.port(), "load"), true, 30_000)) {
                        client.register(rank, "load-" + rank);
                        float[] w = new float[N];
                        float[] g = new float[N];
                        client.initialize(TensorLayout.of("w", N), w);
                        long version = client.pull(w);
                        // at least MIN_STEPS each, however loaded the machine, then until the time is up
                        for (long step = 1; step <= MIN_STEPS || System.nanoTime() < end; step++) {
                            for (int i = 0; i < N; i++) {
                                g[i] = 1e-3f * (w[i] - (i % 7)); // a quadratic's gradient
                            }
                            var res = client.push(version, step, g, 0.0, 1, w);
                            version = res.version();
                            if (res.applied()) {
                                acked.incrementAndGet();
                            }
                            if (step % 8 == 0) {
                                version = client.pull(w);
                                pulls.incrementAndGet();
                            }
                        }
                        client.deregister();
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }, "load-worker-" + r);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(seconds * 1000 + 60_000);
                assertTrue(!t.isAlive(), t.getName() + " is stuck");
            }
        } finally {
            host.stop(5_000);
        }
        double wall = (System.nanoTime() - start) / 1e9;
        ServerStatus s = core.status();
        long heapAfter = usedHeapAfterGc();
        System.out.printf(Locale.ROOT, "load: %d workers, %.1f s, %d pushes acknowledged (%.0f/s), %d extra pulls, "
                        + "server applied %d, heap after GC %d -> %d MiB, %d errors%n", WORKERS, wall, acked.get(),
                acked.get() / wall, pulls.get(), s.gradientsApplied(), heapBefore >> 20, heapAfter >> 20, errors.size());
        assertTrue(errors.isEmpty(), () -> errors.size() + " errors, first: " + errors.peek());
        assertEquals(acked.get(), s.gradientsApplied(), "every acknowledged push was applied, and only those");
        assertEquals(s.version(), s.gradientsApplied());
        assertTrue(acked.get() >= (long) WORKERS * MIN_STEPS, "fewer pushes than every worker's minimum: " + acked.get());
        assertTrue(heapAfter - heapBefore < 64L << 20, "heap grew by " + ((heapAfter - heapBefore) >> 20) + " MiB");
    }
}
