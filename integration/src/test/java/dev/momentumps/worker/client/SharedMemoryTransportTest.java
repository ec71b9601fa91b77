package dev.momentumps.worker.client;

/** AUTO on one host: tensors through the shared region, except tiny ones, which go inline. */
class SharedMemoryTransportTest extends ClientPathContractTest {
    @Override
    Transport transport() {
        return Transport.AUTO;
    }

    @Override
    Transport expectedPath(int n) {
        return n == TINY ? Transport.UNARY : Transport.SHARED_MEMORY;
    }
}
