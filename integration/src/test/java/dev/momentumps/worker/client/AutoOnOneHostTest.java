package dev.momentumps.worker.client;

import org.junit.jupiter.api.Test;

/**
 * {@link Transport#AUTO} on the server's host when the server offers its payload socket: models up to
 * {@link GrpcParameterClient#SOCKET_ON_ONE_HOST_BYTES} take the socket (a round there costs less CPU than
 * the shared region's gRPC call), bigger ones the shared region. The whole push-and-pull contract holds,
 * and the path taken, on the client and in the server's counts, must be the expected one on each side of
 * the limit.
 */
class AutoOnOneHostTest extends SocketTransportTest {
    private static final int LIMIT = GrpcParameterClient.SOCKET_ON_ONE_HOST_BYTES / Float.BYTES;

    @Override
    Transport transport() {
        return Transport.AUTO;
    }

    @Override
    Transport expectedPath(int n) {
        return n <= LIMIT ? Transport.SOCKET : Transport.SHARED_MEMORY;
    }

    @Test
    void theLargestModelOnTheSocket() {
        roundsMatchHeavyBall(LIMIT);
    }

    @Test
    void oneMoreValueTakesTheSharedRegion() {
        roundsMatchHeavyBall(LIMIT + 1);
    }
}
