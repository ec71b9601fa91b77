package dev.momentumps.worker.client;

/** TCP gRPC only (a worker on another host): one unary call when the tensor fits a chunk, else a stream. */
class TcpTransportTest extends ClientPathContractTest {
    @Override
    Transport transport() {
        return Transport.TCP;
    }

    @Override
    Transport expectedPath(int n) {
        return n == TINY ? Transport.UNARY : Transport.STREAM;
    }
}
