package dev.momentumps.server.optim;

/**
 * Hyper-parameter validation shared by the update rules and schedules. Every failure is an
 * {@link IllegalArgumentException} whose message names the parameter, the allowed range and the value
 * given, e.g. {@code "beta must be in [0, 1), got 1.2"}. NaN always fails.
 */
final class Checks {

    private Checks() {
    }

    /** {@code v > 0} and finite. */
    static double positive(String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be > 0, got " + v);
        }
        return v;
    }

    /** {@code v >= 0} and finite. */
    static double nonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + v);
        }
        return v;
    }

    /** {@code 0 <= v < 1}. */
    static double unitInterval(String name, double v) {
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1), got " + v);
        }
        return v;
    }

    /** {@code -1 < v < 1}. */
    static double openSymmetric(String name, double v) {
        if (!(v > -1 && v < 1)) {
            throw new IllegalArgumentException(name + " must be in (-1, 1), got " + v);
        }
        return v;
    }

    /** {@code 0 < v <= 1}. */
    static double fraction(String name, double v) {
        if (!(v > 0 && v <= 1)) {
            throw new IllegalArgumentException(name + " must be in (0, 1], got " + v);
        }
        return v;
    }

    /** An integer count {@code >= 1}. */
    static long atLeastOne(String name, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
        return v;
    }
}
