package dev.momentumps.server.optim;

import static org.junit.jupiter.api.Assertions.fail;

/** The tolerance the optimizer tests use: |actual − expected| <= 1e-6 · max(1, |expected|). */
final class Approx {

    static final double TOL = 1e-6;

    private Approx() {
    }

    static double error(double expected, double actual) {
        return Math.abs(actual - expected) / Math.max(1.0, Math.abs(expected));
    }

    static void assertClose(double expected, double actual, String what) {
        if (!(error(expected, actual) <= TOL)) {
            fail(what + ": expected " + expected + " but was " + actual + " (|diff| = "
                    + Math.abs(actual - expected) + ")");
        }
    }

    static void assertClose(double[] expected, float[] actual, String what) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            assertClose(expected[i], actual[i], what + "[" + i + "]");
        }
    }
}
