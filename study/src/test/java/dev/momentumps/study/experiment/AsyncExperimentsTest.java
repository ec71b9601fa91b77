package dev.momentumps.study.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.compensation.DelayCompensation;
import dev.momentumps.server.compensation.StalenessAwareLearningRate;
import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.worker.data.DenseDataset;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.Tasks;
import org.junit.jupiter.api.Test;

/** The literature experiments on the simulator: their closed forms exactly, their measured shapes cheaply. */
class AsyncExperimentsTest {

    @Test
    void implicitMomentumFitRecoversAKnownRecurrence() {
        // an exact heavy-ball mean trajectory with μ = 0.7, c = 0.02 on both eigenvalues
        double[][] x = new double[80][2];
        for (int i = 0; i < 2; i++) {
            x[0][i] = 1;
            x[1][i] = 1 - 0.02 * ImplicitMomentum.LAMBDAS[i];
            for (int t = 1; t < 79; t++) {
                x[t + 1][i] = x[t][i] + 0.7 * (x[t][i] - x[t - 1][i]) - 0.02 * ImplicitMomentum.LAMBDAS[i] * x[t][i];
            }
        }
        double[] f = ImplicitMomentum.fit(x, 1);
        assertEquals(0.7, f[0], 1e-9);
        assertEquals(0.02, f[1], 1e-9);
    }

    @Test
    void fourAsyncWorkersActLikeMomentumThreeQuarters() {
        double[] stale = new double[1];
        double[] f = ImplicitMomentum.fit(ImplicitMomentum.meanTrajectory(4, 42, 300, stale), 4);
        assertEquals(0.75, f[0], 0.03, "implicit momentum 1 - 1/M");
        assertEquals(ImplicitMomentum.LR / 4, f[1], 0.002, "effective lr / M");
        assertTrue(stale[0] > 2.5 && stale[0] < 3.1, "geometric staleness, mean about M - 1: " + stale[0]);
    }

    @Test
    void syncTimingClosedForms() {
        assertEquals(761.0 / 280, SyncTiming.orderStatistic(8, 0), 1e-12, "H_8");
        assertEquals(761.0 / 280 - 1.5, SyncTiming.orderStatistic(8, 2), 1e-12);
        // with no backups the no-cancel chain is the maximum of 8 exponentials
        assertEquals(761.0 / 280, SyncTiming.backupRoundTime(8, 0), 1e-12);
        // a late worker that is not cancelled can only make rounds slower than cancelling it
        for (int b = 1; b <= 3; b++) {
            assertTrue(SyncTiming.backupRoundTime(8, b) > SyncTiming.orderStatistic(8, b));
            assertTrue(SyncTiming.backupRoundTime(8, b) < SyncTiming.backupRoundTime(8, b - 1));
        }
        double[] out = new double[2];
        double measured = SyncTiming.secondsPerUpdate(new Synchronous(), 42, out);
        assertEquals(761.0 / 280, measured, 4 * out[1], "measured within 4 standard errors of H_8");
    }

    @Test
    void bestMomentumFallsWithWorkers() {
        long[] seeds = {42, 43, 44, 45};
        dev.momentumps.study.sim.TimeDistribution exp = new dev.momentumps.study.sim.TimeDistribution.Exponential(1);
        MomentumVsWorkers.Run one = MomentumVsWorkers.tune(1, MomentumVsWorkers.QUICK_BETAS, MomentumVsWorkers.LRS,
                seeds, exp);
        MomentumVsWorkers.Run sixteen = MomentumVsWorkers.tune(16, MomentumVsWorkers.QUICK_BETAS,
                MomentumVsWorkers.LRS, seeds, exp);
        assertEquals(0.9, one.bestBeta());
        int b09 = java.util.Arrays.binarySearch(one.betas(), 0.9);
        assertEquals(4, one.wins()[b09], "beta 0.9 wins every seed with one worker");
        assertTrue(one.betas().length > MomentumVsWorkers.QUICK_BETAS.length, "0.9 won on the edge: the grid grew");
        assertTrue(sixteen.bestBeta() < one.bestBeta(), "best beta with 16 workers " + sixteen.bestBeta());
        assertTrue(sixteen.tiedLow() <= sixteen.bestBeta() && sixteen.bestBeta() <= sixteen.tiedHigh());
    }

    @Test
    void stalenessLrStaysAtTheNoiseFloor() {
        DenseDataset data = StalenessLr.data(42);
        double floor = StalenessLr.NOISE * StalenessLr.NOISE / 2;
        for (long seed = 42; seed < 45; seed++) {
            double scaled = StalenessLr.finalLoss(data, 32, new StalenessAwareLearningRate(), seed)[0];
            assertTrue(scaled < 1.5 * floor, "lr/tau with 32 workers, seed " + seed + ": " + scaled);
        }
        assertTrue(StalenessLr.failed(Double.POSITIVE_INFINITY) && StalenessLr.failed(20 * floor)
                && !StalenessLr.failed(2 * floor));
        assertTrue(StalenessLr.finalLoss(data, 1, StalenessCompensation.NONE, 42)[0] < 1.1 * floor);
    }

    @Test
    void delayCompensationRecoversPartOfTheStalenessGap() {
        Task task = Tasks.build(DcAsgd.spec(42));
        double seq = 0;
        double asgd = 0;
        double dc = 0;
        for (long seed = 42; seed < 44; seed++) {
            seq += DcAsgd.evaluate(task, seed, 1, () -> StalenessCompensation.NONE, 3000)[0];
            asgd += DcAsgd.evaluate(task, seed, 16, () -> StalenessCompensation.NONE, 3000)[0];
            dc += DcAsgd.evaluate(task, seed, 16, () -> new DelayCompensation(0.2f, true), 3000)[0];
        }
        assertTrue(asgd > seq, "staleness costs ASGD: " + asgd + " vs " + seq);
        assertTrue(dc < asgd, "DC-ASGD below ASGD: " + dc + " vs " + asgd);
    }

    @Test
    void adamDegradesMoreGracefullyThanHeavyBallUnderDelay() {
        double momentum0 = Double.POSITIVE_INFINITY;
        double momentum4 = Double.POSITIVE_INFINITY;
        double adam4 = Double.POSITIVE_INFINITY;
        for (double lr : AdamVsMomentum.LRS) {
            momentum0 = Math.min(momentum0, AdamVsMomentum.score("momentum", lr, 0));
            momentum4 = Math.min(momentum4, AdamVsMomentum.score("momentum", lr, 4));
            adam4 = Math.min(adam4, AdamVsMomentum.score("adam", lr, 4));
        }
        assertTrue(momentum0 < -20, "heavy ball without delay: " + momentum0);
        assertTrue(momentum4 > -5, "heavy ball with tau 4: " + momentum4);
        assertTrue(adam4 < momentum4 - 5, "adam with tau 4: " + adam4);
    }
}
