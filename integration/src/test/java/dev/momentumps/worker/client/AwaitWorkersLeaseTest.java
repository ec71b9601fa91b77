package dev.momentumps.worker.client;

import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.server.core.LeaseMonitor;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.optim.HeavyBallMomentum;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.TensorLayout;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker that waits for the others to register ({@code --await-workers}, {@link RegistrationBarrier}) longer
 * than its lease keeps its registration: each Status it polls while it waits renews the lease, so its first
 * push of the synchronous run is taken and the round has the whole world.
 */
class AwaitWorkersLeaseTest {
    private static final int N = 7;
    private static final long LEASE_MS = 1_000;

    private static ParameterClient client(int port) {
        return new GrpcParameterClient(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build(), true,
                10_000, Transport.TCP);
    }

    @Test
    void aWorkerWaitingThreeLeasesForTheOthersKeepsItsRegistration() throws Exception {
        ParameterServerCore core = new ParameterServerCore(new HeavyBallMomentum(0.1f, 0.9f, 0, false), t -> 0.1f, 0,
                new Synchronous(), 1);
        List<String> log = new CopyOnWriteArrayList<>();
        LeaseMonitor leases = new LeaseMonitor(core, LEASE_MS, log::add).start();
        ServerHost host = new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), core,
                "127.0.0.1", 1 << 20, 10_000).start();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        ParameterClient early = new RegistrationBarrier(client(host.port()), 2, 30_000);
        ParameterClient late = new RegistrationBarrier(client(host.port()), 2, 30_000);
        try {
            Future<ParameterClient.Registration> waiting = pool.submit(() -> early.register(0, "early"));
            Thread.sleep(3 * LEASE_MS); // the early worker waits three leases in the barrier
            assertEquals(List.of(), log, "no lease expired while the worker waited");
            late.register(1, "late");
            assertEquals(0, waiting.get(10, TimeUnit.SECONDS).workerId());
            for (ServerStatus.Worker w : core.status().workers()) {
                assertTrue(w.alive(), w.name() + " is alive");
            }

            float[] w0 = new float[N];
            early.initialize(TensorLayout.builder().add("w", N).build(), w0);
            late.initialize(TensorLayout.builder().add("w", N).build(), w0);
            float[] g = new float[N];
            java.util.Arrays.fill(g, 1f);
            Future<ParameterClient.PushResult> first = pool.submit(() -> early.push(0, 1, g.clone(), 0.5, 1, null));
            ParameterClient.PushResult second = late.push(0, 1, g.clone(), 0.5, 1, null);
            assertTrue(first.get(10, TimeUnit.SECONDS).applied(), "the early worker's first push is taken");
            assertTrue(second.applied());
            assertEquals(1, core.version(), "one round with both gradients");
            assertEquals(2, core.status().gradientsApplied());
        } finally {
            pool.shutdownNow();
            early.close();
            late.close();
            leases.close();
            host.stop(1_000);
        }
    }
}
