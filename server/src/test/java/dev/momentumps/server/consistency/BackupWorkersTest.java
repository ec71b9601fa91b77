package dev.momentumps.server.consistency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.core.FixtureRule;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.TensorLayout;
import org.junit.jupiter.api.Test;

class BackupWorkersTest {
    private static final TensorLayout LAYOUT = TensorLayout.of("x", 2);

    @Test
    void eachRoundTakesTheFirstNAndDropsExactlyTheLateOnes() {
        try (ParameterServerCore core = new ParameterServerCore(new FixtureRule(), t -> 0.5f, 0, new BackupWorkers(1), 1)) {
            for (int r = 0; r < 4; r++) {
                core.register(r, "w" + r);
            }
            core.initialize(0, LAYOUT, new float[] {1, 1});
            float[][] g = {{1, 2}, {10, 20}, {3, 4}, {5, 6}};
            // round 1: workers 2, 0, 3 arrive first (N = 4 - 1 = 3); worker 1 is late
            PushTicket t2 = core.push(2, 0, 1, g[2].clone(), 0, 1);
            PushTicket t0 = core.push(0, 0, 1, g[0].clone(), 0, 1);
            assertFalse(t2.isDone() || t0.isDone(), "the round waits for N gradients");
            PushTicket t3 = core.push(3, 0, 1, g[3].clone(), 0, 1);
            assertTrue(t0.applied() && t2.applied() && t3.applied());
            assertEquals(1, core.version());
            // mean in rank order 0, 2, 3: ((1+3)+5)/3·... computed as the core does, in float
            float m0 = (g[0][0] + g[2][0] + g[3][0]) * (1f / 3);
            float m1 = (g[0][1] + g[2][1] + g[3][1]) * (1f / 3);
            assertArrayEquals(new float[] {1 - 0.5f * m0, 1 - 0.5f * m1}, core.weights());
            PushTicket t1 = core.push(1, 0, 1, g[1].clone(), 0, 1);
            assertTrue(t1.isDone());
            assertFalse(t1.applied(), "late: its round was applied without it");
            assertEquals(-1, t1.staleness());
            assertEquals(1, core.version(), "a dropped gradient changes nothing");
            assertEquals(3, core.status().gradientsApplied());
            assertEquals(1, core.status().gradientsDropped());
            assertEquals(0, core.status().staleness().max());

            // round 2: worker 1 is on time now; worker 3 leaves, so N = 3 - 1 = 2
            core.deregister(3);
            assertFalse(core.push(1, 1, 2, g[1].clone(), 0, 1).isDone());
            PushTicket t = core.push(0, 1, 2, g[0].clone(), 0, 1);
            assertTrue(t.applied());
            assertEquals(2, core.version());
            assertFalse(core.push(2, 1, 2, g[2].clone(), 0, 1).applied());
            assertEquals(2, core.status().gradientsDropped());
        }
    }

    @Test
    void zeroBackupsIsBsp() {
        try (ParameterServerCore core = new ParameterServerCore(new FixtureRule(), t -> 0.5f, 0, new BackupWorkers(0), 1)) {
            core.register(0, "a");
            core.register(1, "b");
            core.initialize(0, LAYOUT, new float[] {0, 0});
            assertFalse(core.push(1, 0, 1, new float[] {2, 2}, 0, 1).isDone());
            assertTrue(core.push(0, 0, 1, new float[] {4, 0}, 0, 1).applied());
            assertArrayEquals(new float[] {-1.5f, -0.5f}, core.weights());
            assertEquals(0, core.status().gradientsDropped());
        }
    }
}
