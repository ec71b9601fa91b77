package dev.momentumps.server.grpc;

import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.RegisterRequest;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import dev.momentumps.wire.config.ConfigKeys;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mps.maxCallsInFlight}: a server-wide cap on calls in progress, over every connection. */
class CallsInFlightTest {
    private static final int CAP = 3;

    private static ParameterServerCore core() {
        OptimizerConfig c = OptimizerConfig.defaults("sgd");
        return new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0, new Asynchronous(), 1);
    }

    private static void await(IntSupplier value, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (value.getAsInt() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(expected, value.getAsInt());
    }

    private static int register(ManagedChannel ch, int rank) {
        return ParameterServerGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .register(RegisterRequest.newBuilder().setRank(rank).setName("w").build()).getWorkerId();
    }

    @Test
    @Timeout(60)
    void theCallBeyondTheCapIsRefusedOverAllConnectionsAndEveryEndGivesItsCountBack() throws Exception {
        ServerHost host = RawStreams.loopbackHost(core(), 1 << 16,
                Map.of(ConfigKeys.MAX_CALLS_IN_FLIGHT.name(), String.valueOf(CAP)));
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            channels.add(NettyChannelBuilder.forAddress("127.0.0.1", host.port()).usePlaintext().build());
        }
        try {
            assertEquals(CAP, host.maxCallsInFlight());
            assertEquals(0, register(channels.get(2), 0));
            await(host::callsInProgress, 0);
            // CAP streams that send nothing, on two connections
            List<StreamObserver<GradientFrame>> open = new ArrayList<>();
            List<CompletableFuture<Status>> ends = new ArrayList<>();
            for (int i = 0; i < CAP; i++) {
                CompletableFuture<Status> done = new CompletableFuture<>();
                open.add(RawStreams.push(channels.get(i % 2), 30, List.of(), false, done));
                ends.add(done);
            }
            await(host::callsInProgress, CAP);

            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                    () -> register(channels.get(2), 1));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
            assertTrue(refused.getStatus().getDescription().contains(ConfigKeys.MAX_CALLS_IN_FLIGHT.name()),
                    refused::toString);
            assertEquals(CAP, host.callsInProgress(), "a refused call holds no count");

            open.get(0).onError(new RuntimeException("client cancels")); // a cancel gives the count back
            assertEquals(Status.Code.CANCELLED, ends.get(0).get(10, TimeUnit.SECONDS).getCode());
            await(host::callsInProgress, CAP - 1);
            assertEquals(1, register(channels.get(2), 1), "admitted again once one call ended");
            await(host::callsInProgress, CAP - 1);

            open.get(1).onCompleted(); // a half-close with no header is refused: the server closes the call
            assertEquals(Status.Code.INVALID_ARGUMENT, ends.get(1).get(10, TimeUnit.SECONDS).getCode());
            channels.get(0).shutdownNow(); // a connection dropped under a call
            await(host::callsInProgress, 0);
            assertTrue(ends.get(2).get(10, TimeUnit.SECONDS).getCode() != Status.Code.OK);
            for (int i = 0; i < CAP; i++) {
                register(channels.get(1 + i % 2), 10 + i);
            }
            await(host::callsInProgress, 0);
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
            host.stop(0);
        }
    }

    @Test
    void theDefaultIsHalfTheDirectMemoryOverTwiceTheMessageLimitAndAnOverMemoryValueIsRefused() throws Exception {
        assertEquals(512, ConnectionLimit.callsInFlight(0, 8L << 30, 4 << 20), "8 GiB / 2 / (2 × 4 MiB)");
        assertEquals(1, ConnectionLimit.callsInFlight(0, 1 << 20, 4 << 20));
        assertEquals(1024, ConnectionLimit.callsInFlight(1024, 8L << 30, 4 << 20), "1024 × 8 MiB = 8 GiB fits");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConnectionLimit.callsInFlight(1025, 8L << 30, 4 << 20));
        assertTrue(e.getMessage().contains(ConfigKeys.MAX_CALLS_IN_FLIGHT.name()), e.getMessage());

        IllegalArgumentException atStart = assertThrows(IllegalArgumentException.class,
                () -> RawStreams.loopbackHost(core(), 1 << 16,
                        Map.of(ConfigKeys.MAX_CALLS_IN_FLIGHT.name(), String.valueOf(ConfigKeys.MAX_CALLS_IN_FLIGHT.max()))));
        assertTrue(atStart.getMessage().contains(ConfigKeys.MAX_CALLS_IN_FLIGHT.name()), atStart.getMessage());
    }
}
