package dev.momentumps.worker.client;

/** The original streaming Push for every size (what an older server or client speaks). */
class StreamTransportTest extends ClientPathContractTest {
    @Override
    Transport transport() {
        return Transport.STREAM;
    }

    @Override
    Transport expectedPath(int n) {
        return Transport.STREAM;
    }
}
