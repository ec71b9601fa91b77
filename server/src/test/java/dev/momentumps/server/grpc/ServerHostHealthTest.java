package dev.momentumps.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.Sgd;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import org.junit.jupiter.api.Test;

/** The standard gRPC health service that Kubernetes' grpc probes call. */
class ServerHostHealthTest {
    @Test
    void servingWhileStartedForTheServerAndTheParameterService() throws Exception {
        String name = InProcessServerBuilder.generateName();
        ServerHost host = new ServerHost(InProcessServerBuilder.forName(name),
                new ParameterServerCore(new Sgd(0.1, 0), t -> 0.1f, 0, new Asynchronous(), 1), name, 1 << 20, 1_000)
                .start();
        ManagedChannel ch = InProcessChannelBuilder.forName(name).build();
        try {
            HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(ch);
            assertEquals(ServingStatus.SERVING, health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
            assertEquals(ServingStatus.SERVING, health.check(HealthCheckRequest.newBuilder()
                    .setService(ParameterServerGrpc.SERVICE_NAME).build()).getStatus());
        } finally {
            ch.shutdownNow();
            host.stop(1_000);
        }
    }
}
