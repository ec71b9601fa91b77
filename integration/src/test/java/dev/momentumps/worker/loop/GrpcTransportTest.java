package dev.momentumps.worker.loop;

import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.worker.client.GrpcParameterClient;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;

/** The transport contract over gRPC (the in-process channel: the real service, codec and client, no sockets). */
class GrpcTransportTest extends TrainingLoopContractTest {
    @Override
    protected Server start(ParameterServerCore core) throws Exception {
        String name = InProcessServerBuilder.generateName();
        // a small chunk size so that even these small models cross several chunks
        ServerHost host = new ServerHost(InProcessServerBuilder.forName(name), core, name, 16, 10_000).start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        return new Server() {
            @Override
            public ParameterClient client() {
                return new GrpcParameterClient(channel, false, 10_000);
            }

            @Override
            public void close() throws Exception {
                channel.shutdownNow();
                host.stop(2_000);
            }
        };
    }
}
