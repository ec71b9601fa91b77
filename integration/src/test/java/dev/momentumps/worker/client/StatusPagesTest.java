package dev.momentumps.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.StatusReply;
import dev.momentumps.proto.StatusRequest;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.RequestBounds;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.optim.Sgd;
import dev.momentumps.wire.ProtoMapping;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.config.ConfigKeys;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A status of 20,000 registered workers with the longest names allowed would be a reply of over 5 MiB, more
 * than the 4 MiB a standard gRPC client accepts: every reply stays under that, and a client with gRPC's
 * default limit still sees every worker.
 */
class StatusPagesTest {
    private static final int WORKERS = 20_000;
    private static final int DEFAULT_CLIENT_LIMIT = 4 << 20;

    @Test
    void everyReplyFitsADefaultClientAndTheClientSeesEveryWorker() throws Exception {
        // more live workers than the default mps.maxWorkers: the bound is raised for this server
        System.setProperty(ConfigKeys.MAX_WORKERS.name(), String.valueOf(WORKERS));
        ParameterServerCore core;
        try {
            core = new ParameterServerCore(new Sgd(0.1, 0), t -> 1f, 0, new Asynchronous(), 1);
        } finally {
            System.clearProperty(ConfigKeys.MAX_WORKERS.name());
        }
        String pad = "x".repeat(RequestBounds.MAX_NAME_BYTES - 8);
        for (int r = 0; r < WORKERS; r++) {
            core.register(r, String.format("%08d", r) + pad);
        }
        int unpaged = ProtoMapping.toProto(core.status()).getSerializedSize();
        assertTrue(unpaged > DEFAULT_CLIENT_LIMIT, "the test needs a status bigger than 4 MiB, got " + unpaged);

        ServerHost host = new ServerHost(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), core,
                "test", 1 << 20, 5_000).start();
        // gRPC's default inbound limit (4 MiB): nothing raised
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", host.port()).usePlaintext().build();
        try {
            var stub = ParameterServerGrpc.newBlockingStub(channel);
            int seen = 0;
            int pages = 0;
            while (seen < WORKERS) {
                StatusReply page = stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                        .status(StatusRequest.newBuilder().setFirstWorker(seen).build());
                assertTrue(page.getSerializedSize() < DEFAULT_CLIENT_LIMIT, "page of " + page.getSerializedSize());
                assertEquals(WORKERS, page.getWorkersTotal());
                assertEquals(seen, page.getFirstWorker());
                assertTrue(page.getWorkersCount() > 0, "an empty page at " + seen);
                assertEquals(seen, page.getWorkers(0).getWorkerId());
                seen += page.getWorkersCount();
                pages++;
            }
            assertTrue(pages > 1, "one page only");

            try (GrpcParameterClient client = new GrpcParameterClient(channel, false, 30_000)) {
                ServerStatus all = client.status();
                assertEquals(WORKERS, all.workers().size());
                for (int i = 0; i < WORKERS; i++) {
                    ServerStatus.Worker w = all.workers().get(i);
                    assertEquals(i, w.id());
                    assertEquals(i, w.rank());
                    assertEquals(String.format("%08d", i) + pad, w.name());
                }
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            host.stop(2_000);
        }
    }
}
