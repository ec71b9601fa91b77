package dev.momentumps.server.core;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.PushTicket;
import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.TensorLayout;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


class LeaseAndNonFiniteTest {
    private static final TensorLayout LAYOUT = TensorLayout.of("w", 3);

    @Test
    void anExpiredLeaseLetsTheSynchronousRoundGoOnAndTheWorkerRejoinsUnderItsId() throws Exception {
        ParameterServerCore core = new ParameterServerCore(new FixtureRule(), t -> 0.5f, 0, new Synchronous(), 1);
        int a = core.register(0, "a");
        int b = core.register(1, "b");
        core.initialize(a, LAYOUT, new float[3]);
        Thread.sleep(1_000);
        core.touch(a);
        PushTicket ta = core.push(a, 0, 1, new float[] {2, 2, 2}, 0, 1);
        assertFalse(ta.isDone(), "the round waits for b");
        assertArrayEquals(new int[] {b}, core.expireLeases(500_000_000L), "b was silent for 1 s, a was not");
        assertTrue(ta.isDone() && ta.applied(), "the round completed without b");
        assertEquals(1, core.version());
        assertFalse(core.status().workers().get(b).alive());
        assertEquals(0, core.expireLeases(500_000_000L).length, "a dead worker does not expire twice");
        RequestException e = assertThrows(RequestException.class, () -> core.push(b, 1, 1, new float[3], 0, 1));
        assertTrue(e.getMessage().contains("register again"), e.getMessage());

        assertEquals(b, core.register(1, "b again"), "b rejoins under its old id");
        PushTicket ta2 = core.push(a, 1, 2, new float[] {2, 2, 2}, 0, 1);
        assertFalse(ta2.isDone(), "rounds wait for b again");
        PushTicket tb = core.push(b, 1, 1, new float[] {4, 4, 4}, 0, 1); // its sequence starts afresh
        assertTrue(ta2.isDone() && tb.isDone());
        assertEquals(2, core.version());
        assertArrayEquals(new float[] {-2.5f, -2.5f, -2.5f}, core.weights());
    }

    /**
     * A server (or a machine) stalled past the lease expires live workers: one whose push waits in the round
     * and one still computing. The waiting push was taken, so the round completes with it and it is applied
     * and acknowledged; the other worker's push on its old registration is refused before it is taken (never
     * acknowledged: the worker drops it, registers again under its id and goes on). Every acknowledged push is
     * applied once; what a run loses is a round's worth of refused pushes, not an acknowledged update.
     */
    @Test
    void aLiveWorkerWhoseLeaseExpiresLosesNoAcknowledgedPush() throws Exception {
        ParameterServerCore core = new ParameterServerCore(new FixtureRule(), t -> 0.5f, 0, new Synchronous(), 1);
        int a = core.register(0, "a");
        int b = core.register(1, "b");
        core.initialize(a, LAYOUT, new float[3]);
        PushTicket ta = core.push(a, 0, 1, new float[] {2, 2, 2}, 0, 1);
        assertFalse(ta.isDone(), "the round waits for b");
        Thread.sleep(600); // the stall: nobody is heard from, not even the waiting push's renewals
        assertArrayEquals(new int[] {a, b}, core.expireLeases(500_000_000L));
        assertTrue(ta.isDone() && ta.applied(), "a's push was taken: the round completes with it");
        assertEquals(1, core.version());
        assertEquals(1, core.status().gradientsApplied());

        RequestException e = assertThrows(RequestException.class, () -> core.push(b, 0, 1, new float[] {9, 9, 9}, 0, 1));
        assertTrue(e.getMessage().contains("register again"), e.getMessage());
        assertEquals(1, core.version(), "a refused push changes nothing");
        assertEquals(1, core.status().gradientsApplied());
        assertArrayEquals(new float[] {-1, -1, -1}, core.weights());

        assertEquals(a, core.register(0, "a"));
        assertEquals(b, core.register(1, "b"));
        PushTicket ta2 = core.push(a, 1, 1, new float[] {2, 2, 2}, 0, 1);
        assertFalse(ta2.isDone(), "rounds wait for both again");
        PushTicket tb = core.push(b, 1, 1, new float[] {4, 4, 4}, 0, 1);
        assertTrue(ta2.applied() && tb.applied());
        assertEquals(2, core.version());
        assertEquals(3, core.status().gradientsApplied(), "the three acknowledged pushes, each once");
        assertArrayEquals(new float[] {-2.5f, -2.5f, -2.5f}, core.weights());
    }

    @Test
    void sspStopsHoldingBackTheFastWorkerOnceTheSilentOnesLeaseExpires() throws Exception {
        ParameterServerCore core = new ParameterServerCore(new FixtureRule(), t -> 0.5f, 0,
                new dev.momentumps.server.consistency.StaleSynchronous(2), 1);
        int fast = core.register(0, "fast");
        int slow = core.register(1, "slow");
        core.initialize(fast, LAYOUT, new float[3]);
        for (int seq = 1; seq <= 3; seq++) {
            core.push(fast, core.version(), seq, new float[] {1, 1, 1}, 0, 1);
        }
        assertFalse(core.mayPull(fast), "3 ahead of the slow worker with a bound of 2");
        assertFalse(core.awaitMayPull(fast, 1_000, java.util.concurrent.TimeUnit.MILLISECONDS), "still held back");
        // awaitMayPull renewed the fast worker's lease while it waited; the slow one has been silent
        assertArrayEquals(new int[] {slow}, core.expireLeases(500_000_000L));
        assertTrue(core.mayPull(fast), "the bound now counts only live workers");
        assertEquals(slow, core.register(1, "slow again"), "the slow worker rejoins with its clock");
        assertFalse(core.mayPull(fast), "and holds the fast one back again until it catches up");
    }

    @Test
    void nonFiniteGradientsAreRejectedSkippedOrZeroedAsConfigured() {
        ParameterServerCore core = new ParameterServerCore(new FixtureRule(), t -> 1f, 0, new Asynchronous(), 1);
        int a = core.register(0, "a");
        core.initialize(a, LAYOUT, new float[3]);
        float[] bad = {1, Float.NaN, Float.POSITIVE_INFINITY};
        RequestException e = assertThrows(RequestException.class, () -> core.push(a, 0, 1, bad.clone(), 0, 1));
        assertTrue(e.getMessage().contains("gradient[1] is NaN"), e.getMessage());
        assertEquals(0, core.version());

        core.setNonFinitePolicy(NonFinitePolicy.SKIP);
        PushTicket skipped = core.push(a, 0, 1, bad.clone(), 0, 1);
        assertTrue(skipped.isDone() && !skipped.applied());
        assertEquals(0, core.version());
        assertEquals(1, core.status().gradientsDropped());
        assertArrayEquals(new float[3], core.weights());

        core.setNonFinitePolicy(NonFinitePolicy.ZERO);
        PushTicket zeroed = core.push(a, 0, 2, bad.clone(), 0, 1);
        assertTrue(zeroed.applied());
        assertArrayEquals(new float[] {-1, 0, 0}, core.weights());
        assertEquals(NonFinitePolicy.ZERO, NonFinitePolicy.parse("zero"));
        assertThrows(IllegalArgumentException.class, () -> NonFinitePolicy.parse("clamp"));
    }
}
