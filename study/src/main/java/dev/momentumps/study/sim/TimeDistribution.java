package dev.momentumps.study.sim;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A distribution of durations in virtual seconds, for the simulator's compute times and network delays.
 * Spelled on the command line as {@code fixed:T} (or just {@code T}), {@code uniform:LO:HI},
 * {@code exp:MEAN}, {@code gamma:SHAPE:SCALE}, {@code lognormal:MU:SIGMA}, {@code pareto:ALPHA:XMIN} or
 * {@code trace:FILE}. Only the exponential is memoryless; Mitliagkas et al.'s implicit momentum 1 − 1/M
 * rests on that, and the others show what happens when it fails (a gamma with a large shape is nearly
 * constant, DANA's experiments use shape 100, scale 1.28; a Pareto with α ≤ 2 has infinite variance).
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
        public double cv2() {
            return 0;
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
        public double cv2() {
            double m = mean();
            return m > 0 ? (hi - lo) * (hi - lo) / 12 / (m * m) : 0;
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
        public double cv2() {
            return 1;
        }

        @Override
        public String toString() {
            return "exp:" + mean;
        }
    }

    /** The squared coefficient of variation Var/mean² (1 for the exponential, 0 for a fixed time). */
    double cv2();

    /** Gamma with shape k and scale θ (mean kθ, CV² 1/k); Marsaglia and Tsang's method. */
    record Gamma(double shape, double scale) implements TimeDistribution {
        public Gamma {
            check(shape > 0 && Double.isFinite(shape) && scale > 0 && Double.isFinite(scale),
                    "gamma needs SHAPE > 0 and SCALE > 0, got " + shape + ":" + scale);
        }

        @Override
        public double sample(SplittableRandom random) {
            return scale * standard(shape, random);
        }

        private static double standard(double k, SplittableRandom random) {
            if (k < 1) {
                // G(k) = G(k + 1)·U^(1/k)
                return standard(k + 1, random) * Math.pow(1.0 - random.nextDouble(), 1.0 / k);
            }
            double d = k - 1.0 / 3;
            double c = 1 / Math.sqrt(9 * d);
            while (true) {
                double x = random.nextGaussian();
                double v = 1 + c * x;
                if (v <= 0) {
                    continue;
                }
                v = v * v * v;
                double u = 1.0 - random.nextDouble();
                if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
                    return d * v;
                }
            }
        }

        @Override
        public double mean() {
            return shape * scale;
        }

        @Override
        public double cv2() {
            return 1 / shape;
        }

        @Override
        public String toString() {
            return "gamma:" + shape + ":" + scale;
        }
    }

    /** Log-normal: ln T ~ N(μ, σ²) (mean e^(μ + σ²/2), CV² e^(σ²) − 1). */
    record LogNormal(double mu, double sigma) implements TimeDistribution {
        public LogNormal {
            check(Double.isFinite(mu) && sigma >= 0 && Double.isFinite(sigma),
                    "lognormal needs a finite MU and SIGMA >= 0, got " + mu + ":" + sigma);
        }

        @Override
        public double sample(SplittableRandom random) {
            return Math.exp(mu + sigma * random.nextGaussian());
        }

        @Override
        public double mean() {
            return Math.exp(mu + sigma * sigma / 2);
        }

        @Override
        public double cv2() {
            return Math.expm1(sigma * sigma);
        }

        @Override
        public String toString() {
            return "lognormal:" + mu + ":" + sigma;
        }
    }

    /**
     * Pareto (type I) with tail index α and minimum x_m: P(T > t) = (x_m/t)^α for t ≥ x_m. A heavy tail:
     * the mean is infinite for α ≤ 1, the variance for α ≤ 2. Inverse-CDF sampling.
     */
    record Pareto(double alpha, double xMin) implements TimeDistribution {
        public Pareto {
            check(alpha > 0 && Double.isFinite(alpha) && xMin > 0 && Double.isFinite(xMin),
                    "pareto needs ALPHA > 0 and XMIN > 0, got " + alpha + ":" + xMin);
        }

        @Override
        public double sample(SplittableRandom random) {
            return xMin / Math.pow(1.0 - random.nextDouble(), 1 / alpha);
        }

        @Override
        public double mean() {
            return alpha > 1 ? alpha * xMin / (alpha - 1) : Double.POSITIVE_INFINITY;
        }

        @Override
        public double cv2() {
            return alpha > 2 ? 1 / (alpha * (alpha - 2)) : Double.POSITIVE_INFINITY;
        }

        @Override
        public String toString() {
            return "pareto:" + alpha + ":" + xMin;
        }
    }

    /**
     * Measured times, resampled: each draw is one of the file's numbers, uniformly at random (an
     * empirical distribution). The file holds one duration in seconds per line (or several separated by
     * commas or blanks; '#' starts a comment).
     */
    record Trace(String file, double[] times) implements TimeDistribution {
        public Trace {
            check(times.length > 0, "trace " + file + " has no times");
            for (double t : times) {
                check(t >= 0 && Double.isFinite(t), "trace " + file + " has a time that is not finite and >= 0: " + t);
            }
            times = times.clone();
        }

        /** Reads the file. */
        public static Trace read(java.nio.file.Path path) throws java.io.IOException {
            java.util.List<Double> l = new java.util.ArrayList<>();
            int line = 0;
            for (String raw : java.nio.file.Files.readAllLines(path)) {
                line++;
                String s = raw.replaceFirst("#.*", "").trim();
                if (s.isEmpty()) {
                    continue;
                }
                for (String tok : s.split("[,\\s]+")) {
                    try {
                        l.add(Double.parseDouble(tok));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("line " + line + " of " + path + ": '" + tok
                                + "' is not a number");
                    }
                }
            }
            return new Trace(path.toString(), l.stream().mapToDouble(Double::doubleValue).toArray());
        }

        @Override
        public double sample(SplittableRandom random) {
            return times[random.nextInt(times.length)];
        }

        @Override
        public double mean() {
            double s = 0;
            for (double t : times) {
                s += t;
            }
            return s / times.length;
        }

        @Override
        public double cv2() {
            double m = mean();
            double ss = 0;
            for (double t : times) {
                ss += (t - m) * (t - m);
            }
            return m > 0 ? ss / times.length / (m * m) : 0;
        }

        @Override
        public String toString() {
            return "trace:" + file;
        }
    }

    /**
     * Parses {@code fixed:T}, {@code T}, {@code uniform:LO:HI}, {@code exp:MEAN}, {@code gamma:SHAPE:SCALE},
     * {@code lognormal:MU:SIGMA}, {@code pareto:ALPHA:XMIN} or {@code trace:FILE}; errors begin with {@code name} (the
     * parameter the spec is for).
     */
    static TimeDistribution parse(String spec, String name) {
        String trimmed = spec.trim();
        if (trimmed.toLowerCase(Locale.ROOT).startsWith("trace:")) {
            java.nio.file.Path path = java.nio.file.Path.of(trimmed.substring("trace:".length()));
            try {
                return Trace.read(path);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException(name + ": cannot read the trace file " + path + ": " + e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ": " + e.getMessage());
            }
        }
        String[] p = trimmed.toLowerCase(Locale.ROOT).split(":");
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
                case "gamma" -> {
                    arity(p, 3, spec);
                    yield new Gamma(Double.parseDouble(p[1]), Double.parseDouble(p[2]));
                }
                case "lognormal" -> {
                    arity(p, 3, spec);
                    yield new LogNormal(Double.parseDouble(p[1]), Double.parseDouble(p[2]));
                }
                case "pareto" -> {
                    arity(p, 3, spec);
                    yield new Pareto(Double.parseDouble(p[1]), Double.parseDouble(p[2]));
                }
                default -> {
                    arity(p, 1, spec);
                    yield new Fixed(Double.parseDouble(p[0]));
                }
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": '" + spec + "' is not fixed:T, uniform:LO:HI, exp:MEAN, "
                    + "gamma:SHAPE:SCALE, lognormal:MU:SIGMA, pareto:ALPHA:XMIN or trace:FILE (" + e.getMessage() + ")");
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
