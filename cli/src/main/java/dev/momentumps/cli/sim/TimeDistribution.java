package dev.momentumps.cli.sim;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A distribution of durations in virtual seconds, for the simulator's compute times and network delays.
 * Spelled on the command line as {@code fixed:T} (or just {@code T}), {@code uniform:LO:HI} or
 * {@code exp:MEAN}.
 */
public sealed interface TimeDistribution {

    /** One draw, >= 0. */
    double sample(SplittableRandom random);

    /** The mean. */
    double mean();

    /** Always {@code t}. */
    record Fixed(double t) implements TimeDistribution {
        public Fixed {
            check(t >= 0 && Double.isFinite(t), "fixed time must be finite and >= 0, got " + t);
        }

        @Override
        public double sample(SplittableRandom random) {
            return t;
        }

        @Override
        public double mean() {
            return t;
        }

        @Override
        public String toString() {
            return "fixed:" + t;
        }
    }

    /** Uniform on [lo, hi). */
    record Uniform(double lo, double hi) implements TimeDistribution {
        public Uniform {
            check(lo >= 0 && hi >= lo && Double.isFinite(hi), "uniform needs 0 <= LO <= HI, got " + lo + ":" + hi);
        }

        @Override
        public double sample(SplittableRandom random) {
            return lo + (hi - lo) * random.nextDouble();
        }

        @Override
        public double mean() {
            return (lo + hi) / 2;
        }

        @Override
        public String toString() {
            return "uniform:" + lo + ":" + hi;
        }
    }

    /** Exponential with the given mean (inverse-CDF sampling: −mean·ln(1 − U)). */
    record Exponential(double mean) implements TimeDistribution {
        public Exponential {
            check(mean > 0 && Double.isFinite(mean), "exponential mean must be finite and > 0, got " + mean);
        }

        @Override
        public double sample(SplittableRandom random) {
            return -mean * Math.log(1.0 - random.nextDouble());
        }

        @Override
        public String toString() {
            return "exp:" + mean;
        }
    }

    /** Parses {@code fixed:T}, {@code T}, {@code uniform:LO:HI} or {@code exp:MEAN}; errors name {@code flag}. */
    static TimeDistribution parse(String spec, String flag) {
        String[] p = spec.trim().toLowerCase(Locale.ROOT).split(":");
        try {
            return switch (p[0]) {
                case "fixed" -> {
                    arity(p, 2, spec);
                    yield new Fixed(Double.parseDouble(p[1]));
                }
                case "uniform" -> {
                    arity(p, 3, spec);
                    yield new Uniform(Double.parseDouble(p[1]), Double.parseDouble(p[2]));
                }
                case "exp", "exponential" -> {
                    arity(p, 2, spec);
                    yield new Exponential(Double.parseDouble(p[1]));
                }
                default -> {
                    arity(p, 1, spec);
                    yield new Fixed(Double.parseDouble(p[0]));
                }
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": '" + spec + "' is not fixed:T, uniform:LO:HI or exp:MEAN ("
                    + e.getMessage() + ")");
        }
    }

    private static void arity(String[] parts, int n, String spec) {
        if (parts.length != n) {
            throw new IllegalArgumentException("expected " + (n - 1) + " number(s) after the kind in '" + spec + "'");
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
