package dev.momentumps.wire.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The same reads and waits with waits that poll for 20 ms before they block ({@code mps.socketSpinMicros}):
 * bytes already there end the poll, and a wait with nothing to read still returns at its deadline. Polls
 * that find nothing back off; one that finds bytes starts over.
 */
class SpinningTimedChannelTest extends TimedChannelTest {
    @Override
    long spinNanos() {
        return 20_000_000L;
    }

    @Test
    void pollsThatFindNothingBackOffAndOneThatFindsBytesStartsOver() throws Exception {
        channel.awaitReadable(TimedChannel.deadlineIn(40)); // polls 20 ms for nothing, then blocks
        assertEquals(1, channel.waitsWithoutPoll(), "after one missed poll the next wait blocks at once");
        channel.awaitReadable(TimedChannel.deadlineIn(5));
        assertEquals(0, channel.waitsWithoutPoll());
        channel.awaitReadable(TimedChannel.deadlineIn(40)); // the second missed poll in a row
        assertEquals(3, channel.waitsWithoutPoll(), "two missed polls in a row: three waits block at once");
        for (int i = 0; i < 3; i++) {
            channel.awaitReadable(TimedChannel.deadlineIn(5));
        }
        assertEquals(0, channel.waitsWithoutPoll());
        send(7, 1);
        channel.awaitReadable(TimedChannel.deadlineIn(5_000)); // the poll finds the byte
        ByteBuffer one = ByteBuffer.allocate(1);
        channel.readFully(one, TimedChannel.deadlineIn(5_000));
        assertEquals(7, one.get(0));
        channel.awaitReadable(TimedChannel.deadlineIn(40)); // a miss after a hit counts from one again
        assertEquals(1, channel.waitsWithoutPoll());
    }
}
