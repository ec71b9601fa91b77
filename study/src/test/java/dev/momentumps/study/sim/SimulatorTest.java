package dev.momentumps.study.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.BackupWorkers;
import dev.momentumps.server.consistency.ConsistencyModel;
import dev.momentumps.server.consistency.StaleSynchronous;
import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.HeavyBallMomentum;
import dev.momentumps.worker.task.GradientTask;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.TaskSpec;
import dev.momentumps.worker.task.Tasks;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatorTest {

    /** Logistic regression on 800 synthetic rows, batch 8. */
    static TaskSpec logistic(int batch, long seed) {
        TaskSpec d = TaskSpec.defaults();
        return new TaskSpec("logistic", TaskSpec.SYNTHETIC, "auto", null, 0, 0, false, -1, "auto", 800, 10, 3, 0.1,
                0.2, 16, 1, 100, batch, seed, 0.0);
    }

    static List<GradientTask> sources(TaskSpec spec, int workers) {
        Task t = Tasks.build(spec);
        List<GradientTask> s = new ArrayList<>();
        for (int r = 0; r < workers; r++) {
            s.add(t.worker(spec, r, workers));
        }
        return s;
    }

    static ParameterServerCore core(ConsistencyModel mode) {
        return new ParameterServerCore(new HeavyBallMomentum(0.1, 0.9, 0, false), t -> 0.1f, 0, mode, 1);
    }

    static SimulationResult simulate(ConsistencyModel mode, int workers, long stepsEach, SimulationConfig config) {
        try (ParameterServerCore core = core(mode)) {
            return new Simulator(core, sources(logistic(8, 42), workers),
                    Collections.nCopies(workers, stepsEach), config).run();
        }
    }

    static final SimulationConfig EXP = SimulationConfig.defaults().withComputeTime(new TimeDistribution.Exponential(1))
            .withNetworkDelay(new TimeDistribution.Uniform(0, 0.1)).withTrajectory(true);

    @Test
    void sameSeedGivesTheSameTrajectoryBitForBit() {
        SimulationResult a = simulate(new Asynchronous(), 4, 30, EXP.withSeed(7));
        SimulationResult b = simulate(new Asynchronous(), 4, 30, EXP.withSeed(7));
        assertEquals(120, a.version());
        assertEquals(121, a.trajectory().size());
        for (int v = 0; v < a.trajectory().size(); v++) {
            assertArrayEquals(a.trajectory().get(v), b.trajectory().get(v), "version " + v);
        }
        assertArrayEquals(a.versionTimes(), b.versionTimes());
        assertArrayEquals(a.staleness().histogram(), b.staleness().histogram());
        assertTrue(a.staleness().max() > 0, "exponential compute times make some gradients stale");

        SimulationResult c = simulate(new Asynchronous(), 4, 30, EXP.withSeed(8));
        assertFalse(java.util.Arrays.equals(a.finalWeights(), c.finalWeights()), "another seed, another schedule");
    }

    @Test
    void fixedDelayMakesEveryGradientExactlyTauStale() {
        int tau = 5;
        SimulationResult r = simulate(new Asynchronous(), 2, 40, SimulationConfig.defaults().withFixedDelay(tau));
        assertEquals(80, r.version());
        long[] h = r.staleness().histogram();
        assertEquals(tau + 1, h.length);
        for (int k = 0; k < tau; k++) {
            assertEquals(1, h[k], "warm-up gradient " + k + " is computed on version 0");
        }
        assertEquals(80 - tau, h[tau]);
        assertEquals(80.0, r.virtualSeconds());
    }

    @Test
    void fixedDelayZeroIsSequentialSgd() {
        // τ = 0 with one worker is exactly the single-worker loop: pull, gradient, push
        SimulationResult fixed = simulate(new Asynchronous(), 1, 25, SimulationConfig.defaults().withFixedDelay(0));
        SimulationResult timed = simulate(new Asynchronous(), 1, 25, SimulationConfig.defaults());
        assertArrayEquals(timed.finalWeights(), fixed.finalWeights());
        assertEquals(0, fixed.staleness().max());
    }

    @Test
    void stragglerIsSlowerAndItsGradientsStaler() {
        SimulationConfig c = SimulationConfig.defaults().withStraggler(3, 4.0);
        SimulationResult r = simulate(new Asynchronous(), 4, 20, c);
        assertEquals(80.0, r.virtualSeconds(), 1e-9, "the straggler's 20 steps of 4 s end the run");
        // while the straggler computes one gradient (4 s) the three others push 12: it is >= 11 versions stale
        assertTrue(r.perWorker().get(3).max() >= 11, "straggler max staleness " + r.perWorker().get(3).max());
        for (int rank = 0; rank < 3; rank++) {
            assertTrue(r.perWorker().get(rank).max() <= 3, "fast worker " + rank + ": " + r.perWorker().get(rank).max());
        }
    }

    @Test
    void synchronousModesRunToTheEndWithStalenessZero() {
        SimulationResult bsp = simulate(new Synchronous(), 4, 10, EXP);
        assertEquals(10, bsp.version());
        assertEquals(0, bsp.staleness().max());
        SimulationResult backup = simulate(new BackupWorkers(1), 4, 10, EXP);
        assertEquals(0, backup.staleness().max());
        assertEquals(40, backup.status().gradientsApplied() + backup.status().gradientsDropped());
        assertTrue(backup.status().gradientsDropped() > 0);
        SimulationResult ssp = simulate(new StaleSynchronous(1), 4, 10, EXP);
        assertEquals(40, ssp.version());
        assertTrue(ssp.staleness().max() <= 3 * 3, "tau <= (W-1)(2s+1)");
    }

    @Test
    void badConfigurationsAreRefusedNamingTheParameter() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> simulate(new Synchronous(), 2, 3, SimulationConfig.defaults().withFixedDelay(2)));
        assertTrue(e.getMessage().startsWith("fixedDelay needs an asynchronous core"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> simulate(new Asynchronous(), 2, 3, SimulationConfig.defaults().withStraggler(5, 2)));
        assertTrue(e.getMessage().startsWith("stragglers: rank 5, but there are only 2 workers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TimeDistribution.parse("exp:-1", "--compute-time"));
        assertTrue(e.getMessage().startsWith("--compute-time"), e.getMessage());
        assertEquals(new TimeDistribution.Uniform(0.5, 1.5), TimeDistribution.parse("uniform:0.5:1.5", "x"));
        assertEquals(new TimeDistribution.Fixed(2), TimeDistribution.parse("2", "x"));
    }
}
