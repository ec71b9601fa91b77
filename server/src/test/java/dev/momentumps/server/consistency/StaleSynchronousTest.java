package dev.momentumps.server.consistency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.core.FixtureRule;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.TensorLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StaleSynchronousTest {
    private static final TensorLayout LAYOUT = TensorLayout.of("x", 3);

    /** What a random schedule saw. */
    record Outcome(int readViolations, long maxStaleness, long pulls, long pushes) {
    }

    /**
     * Drives W workers through the core in a random interleaving: at each step a random worker tries to act
     * (pull if it has no gradient — only when mayPull says so — else push). Clocks are tracked here,
     * independently of the core, to check SSP's read condition: a worker at clock c pulls only when every
     * live worker has clock >= c − s.
     */
    static Outcome randomSchedule(ConsistencyModel mode, int workers, int steps, int s, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        try (ParameterServerCore core = new ParameterServerCore(new FixtureRule(), t -> 0.01f, 0, mode, 1)) {
            int[] ids = new int[workers];
            for (int r = 0; r < workers; r++) {
                ids[r] = core.register(r, "w" + r);
            }
            core.initialize(ids[0], LAYOUT, new float[] {1, 2, 3});
            long[] clock = new long[workers];
            long[] base = new long[workers];
            boolean[] hasGradient = new boolean[workers];
            boolean[] alive = new boolean[workers];
            java.util.Arrays.fill(alive, true);
            float[] w = new float[3];
            int live = workers;
            int violations = 0;
            long maxStaleness = 0;
            long pulls = 0;
            long pushes = 0;
            while (live > 0) {
                int r = random.nextInt(workers);
                if (!alive[r]) {
                    continue;
                }
                if (!hasGradient[r]) {
                    if (!core.mayPull(ids[r])) {
                        continue; // blocked by the bound: another worker must move
                    }
                    long min = Long.MAX_VALUE;
                    for (int q = 0; q < workers; q++) {
                        if (alive[q]) {
                            min = Math.min(min, clock[q]);
                        }
                    }
                    if (min < clock[r] - s) {
                        violations++;
                    }
                    base[r] = core.pull(ids[r], w);
                    hasGradient[r] = true;
                    pulls++;
                } else {
                    float[] g = {random.nextFloat(), random.nextFloat(), random.nextFloat()};
                    PushTicket t = core.push(ids[r], base[r], ++clock[r], g, 0, 1);
                    assertTrue(t.isDone() && t.applied());
                    maxStaleness = Math.max(maxStaleness, t.staleness());
                    hasGradient[r] = false;
                    pushes++;
                    if (clock[r] == steps) {
                        alive[r] = false;
                        live--;
                        core.deregister(ids[r]);
                    }
                }
            }
            assertEquals(core.status().staleness().max(), maxStaleness);
            return new Outcome(violations, maxStaleness, pulls, pushes);
        }
    }

    @Test
    void noGradientIsStalerThanTheBoundAllowsOverRandomSchedules() {
        for (int s : new int[] {0, 1, 2, 5}) {
            for (int workers : new int[] {2, 3, 5}) {
                for (long seed = 0; seed < 20; seed++) {
                    Outcome o = randomSchedule(new StaleSynchronous(s), workers, 30, s, seed * 31 + s);
                    String where = "s=" + s + ", W=" + workers + ", seed " + seed;
                    assertEquals(0, o.readViolations(), "read ahead of the bound: " + where);
                    assertTrue(o.maxStaleness() <= (long) (workers - 1) * (2L * s + 1),
                            "tau " + o.maxStaleness() + " > (W-1)(2s+1): " + where);
                    assertEquals(30L * workers, o.pushes());
                }
            }
        }
    }

    @Test
    void theSameSchedulesUnderAspDoBreakTheBound() {
        // the check above can fail: with no bound, random schedules read far ahead of the slowest worker
        int violations = 0;
        long maxStaleness = 0;
        for (long seed = 0; seed < 20; seed++) {
            Outcome o = randomSchedule(new Asynchronous(), 3, 30, 0, seed);
            violations += o.readViolations();
            maxStaleness = Math.max(maxStaleness, o.maxStaleness());
        }
        assertTrue(violations > 0);
        assertTrue(maxStaleness > 2, "ASP staleness " + maxStaleness);
    }

    @Test
    void boundZeroBehavesAsBspWithSummedGradients() {
        // SSP s=0: every worker computes its c-th gradient on the same weights, the ones after all gradients of
        // the earlier clocks; with SGD, W separate steps of lr·g are one step of (W·lr)·mean(g): BSP at lr·W.
        int workers = 4;
        int clocks = 12;
        float lr = 0.05f;
        SplittableRandom order = new SplittableRandom(3);
        try (ParameterServerCore ssp = new ParameterServerCore(new FixtureRule(), t -> lr, 0, new StaleSynchronous(0), 1);
             ParameterServerCore bsp = new ParameterServerCore(new FixtureRule(), t -> lr * workers, 0,
                     new Synchronous(), 1)) {
            for (int r = 0; r < workers; r++) {
                ssp.register(r, "s" + r);
                bsp.register(r, "b" + r);
            }
            float[] w0 = {1, -2, 0.5f};
            ssp.initialize(0, LAYOUT, w0);
            bsp.initialize(0, LAYOUT, w0);
            float[] ws = new float[3];
            float[] wb = new float[3];
            for (int c = 1; c <= clocks; c++) {
                // every worker reads before any gradient of clock c arrives (as with equal compute times)
                List<float[]> sspGradients = new ArrayList<>();
                for (int r = 0; r < workers; r++) {
                    assertTrue(ssp.mayPull(r));
                    long vs = ssp.pull(r, ws);
                    long vb = bsp.pull(r, wb);
                    assertEquals((long) workers * (c - 1), vs, "every worker reads after all of clock c-1");
                    assertEquals(c - 1, vb);
                    for (int i = 0; i < 3; i++) {
                        assertEquals(wb[i], ws[i], 1e-5f * Math.max(1, Math.abs(wb[i])), "clock " + c + " w[" + i + "]");
                    }
                    sspGradients.add(gradient(ws, r));
                    PushTicket tb = bsp.push(r, vb, c, gradient(wb, r), 0, 1);
                    assertEquals(r == workers - 1, tb.isDone());
                }
                // the gradients arrive in a random order; whoever has pushed may not read until all have
                List<Integer> pending = new ArrayList<>();
                for (int r = 0; r < workers; r++) {
                    pending.add(r);
                }
                while (!pending.isEmpty()) {
                    int r = pending.remove(order.nextInt(pending.size()));
                    ssp.push(r, (long) workers * (c - 1), c, sspGradients.get(r), 0, 1);
                    assertEquals(pending.isEmpty(), ssp.mayPull(r), "s=0: worker " + r + " waits for the clock");
                }
            }
            assertEquals(workers - 1, ssp.status().staleness().max());
            assertEquals(0, bsp.status().staleness().max());
            float[] fs = ssp.weights();
            float[] fb = bsp.weights();
            for (int i = 0; i < 3; i++) {
                assertEquals(fb[i], fs[i], 1e-5f * Math.max(1, Math.abs(fb[i])));
            }
        }
    }

    private static float[] gradient(float[] w, int rank) {
        return new float[] {w[0] * (rank + 1) * 0.3f + 0.1f, w[1] - rank * 0.2f, w[2] * w[2]};
    }
}
