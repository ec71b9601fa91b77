package dev.momentumps.study.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The four D2L runs through the server core against the recurrences computed by hand in float64. */
class D2lQuadraticTest {

    /** D2L's loop: v₁ = βv₁ + 0.2x₁, v₂ = βv₂ + 4x₂, x −= ηv, in double. */
    private static double[] byHand(double eta, double beta) {
        double x1 = -5;
        double x2 = -2;
        double v1 = 0;
        double v2 = 0;
        for (int i = 0; i < 20; i++) {
            v1 = beta * v1 + 0.2 * x1;
            v2 = beta * v2 + 4 * x2;
            x1 -= eta * v1;
            x2 -= eta * v2;
        }
        return new double[] {x1, x2};
    }

    private static double[] lastPoint(String rule, double lr, double beta) {
        List<double[]> path = D2lQuadratic.trajectory(rule, lr, beta);
        assertEquals(21, path.size(), "x0 and 20 steps");
        assertEquals(-5, path.get(0)[0]);
        assertEquals(-2, path.get(0)[1]);
        return path.get(20);
    }

    @Test
    void gradientDescentMatchesTheRecurrenceAndTheBook() {
        double[] x = lastPoint("sgd", 0.4, 0);
        double[] h = byHand(0.4, 0);
        assertEquals(h[0], x[0], 1e-6 * Math.abs(h[0]));
        assertEquals(h[1], x[1], 1e-5 * Math.abs(h[1]));
        assertEquals("-0.943467", Table.fixed(x[0], 6));
        assertEquals("-0.000073", Table.fixed(x[1], 6));
        // the closed forms: x₁ = −5·0.92²⁰, x₂ = −2·(−0.6)²⁰
        assertEquals(-5 * Math.pow(0.92, 20), x[0], 1e-6);
        assertEquals(-2 * Math.pow(0.6, 20), x[1], 1e-9);
    }

    @Test
    void gradientDescentDivergesAtLr06() {
        double[] x = lastPoint("sgd", 0.6, 0);
        assertEquals("-0.387814", Table.fixed(x[0], 6));
        // −2·1.4²⁰ = −1673.365109 in float64; float32 weights carry ~7 significant digits
        assertEquals(-2 * Math.pow(1.4, 20), x[1], 1e-5 * 1673.4);
    }

    @Test
    void momentumMatchesTheRecurrenceAndTheBook() {
        double[] x = lastPoint("momentum", 0.6, 0.5);
        double[] h = byHand(0.6, 0.5);
        assertEquals(h[0], x[0], 1e-6);
        assertEquals(h[1], x[1], 1e-6);
        assertEquals("0.007188", Table.fixed(x[0], 6));
        assertEquals("0.002553", Table.fixed(x[1], 6));
        double[] y = lastPoint("momentum", 0.6, 0.25);
        double[] k = byHand(0.6, 0.25);
        assertEquals(k[0], y[0], 1e-6);
        assertEquals(k[1], y[1], 2e-6);
        assertEquals("-0.126340", Table.fixed(y[0], 6));
    }
}
