package dev.momentumps.wire.socket;

/**
 * The same reads and waits with waits that poll for 20 ms before they block ({@code mps.socketSpinMicros}):
 * bytes already there end the poll, and a wait with nothing to read still returns at its deadline.
 */
class SpinningTimedChannelTest extends TimedChannelTest {
    @Override
    long spinNanos() {
        return 20_000_000L;
    }
}
