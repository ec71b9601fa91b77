package dev.momentumps.study.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Each coordinate of the diagonal quadratic follows its scalar recurrence; the optimal rates are as Polyak's. */
class EigenQuadraticTest {

    @Test
    void optimalTuningForKappa32() {
        assertEquals(64.0 / 33, EigenQuadratic.gdLr(), 1e-12);
        double rk = Math.sqrt(32);
        assertEquals(Math.pow((rk - 1) / (rk + 1), 2), EigenQuadratic.momentumBeta(), 1e-12);
        for (double l : EigenQuadratic.lambdas()) {
            assertEquals(Math.sqrt(EigenQuadratic.momentumBeta()),
                    EigenQuadratic.rate(l, EigenQuadratic.momentumLr(), EigenQuadratic.momentumBeta()), 1e-6);
        }
        assertEquals(31.0 / 33, EigenQuadratic.rate(1, EigenQuadratic.gdLr(), 0), 1e-12);
    }

    @Test
    void everyCoordinateFollowsItsRecurrence() {
        double lr = EigenQuadratic.momentumLr();
        double beta = EigenQuadratic.momentumBeta();
        float[][] hb = EigenQuadratic.trajectory(InProcessServer.momentum(lr, beta));
        float[][] gd = EigenQuadratic.trajectory(InProcessServer.sgd(EigenQuadratic.gdLr()));
        double[] l = EigenQuadratic.lambdas();
        for (int i = 0; i < l.length; i++) {
            for (int t = 0; t <= EigenQuadratic.STEPS; t++) {
                assertEquals(EigenQuadratic.predicted(l[i], lr, beta, t), hb[t][i], 2e-6, "momentum x" + i + " t" + t);
                assertEquals(Math.pow(1 - EigenQuadratic.gdLr() * l[i], t), gd[t][i], 2e-6, "gd x" + i + " t" + t);
            }
        }
        // pinned: the slowest coordinate under gradient descent, (31/33)^30
        assertEquals(Math.pow(31.0 / 33, 30), gd[30][5], 1e-6);
        assertEquals(0.1533, gd[30][5], 1e-4);
    }
}
