package dev.momentumps.worker.client;

import dev.momentumps.server.grpc.ServerHost;
import java.io.IOException;
import java.net.InetSocketAddress;

/** The payload socket: every dense push and pull on a plain TCP socket beside the gRPC control channel. */
class SocketTransportTest extends ClientPathContractTest {
    @Override
    Transport transport() {
        return Transport.SOCKET;
    }

    @Override
    ServerHost offer(ServerHost unstarted) throws IOException {
        return unstarted.payloadPort(new InetSocketAddress("127.0.0.1", 0));
    }

    @Override
    Transport expectedPath(int n) {
        return Transport.SOCKET;
    }
}
