package dev.momentumps.study.experiment;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * A mean over replicates (seeds) with its standard error and a 95 % confidence interval.
 *
 * <p>{@link #of} gives Student's t interval, mean ± t₀.₉₇₅,ₙ₋₁ · s/√n (Commons Math's t quantile);
 * {@link #bootstrap} gives the percentile bootstrap interval of any statistic (for ratios, where the t
 * interval's symmetry is wrong). Non-finite samples (diverged runs) make every field NaN except
 * {@link #n} and {@link #nonFinite}: a mean over runs of which some diverged is not a number.
 *
 * @param mean      the sample mean (or the statistic on the whole sample, for the bootstrap)
 * @param se        the standard error s/√n (bootstrap: the standard deviation of the resampled statistic)
 * @param lo        the lower end of the 95 % interval
 * @param hi        the upper end of the 95 % interval
 * @param n         how many samples
 * @param nonFinite how many of them were NaN or infinite
 */
public record Interval(double mean, double se, double lo, double hi, int n, int nonFinite) {

    /** Student's t interval of the mean. */
    public static Interval of(double... samples) {
        int bad = nonFinite(samples);
        int n = samples.length;
        if (n == 0 || bad > 0) {
            return new Interval(Double.NaN, Double.NaN, Double.NaN, Double.NaN, n, bad);
        }
        double mean = 0;
        for (double v : samples) {
            mean += v;
        }
        mean /= n;
        if (n == 1) {
            return new Interval(mean, Double.NaN, Double.NaN, Double.NaN, 1, 0);
        }
        double ss = 0;
        for (double v : samples) {
            ss += (v - mean) * (v - mean);
        }
        double se = Math.sqrt(ss / (n - 1) / n);
        double t = new TDistribution(null, n - 1).inverseCumulativeProbability(0.975);
        return new Interval(mean, se, mean - t * se, mean + t * se, n, 0);
    }

    /** The t interval of the paired differences a[i] − b[i] (same seeds). */
    public static Interval paired(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("paired samples differ in length: " + a.length + " vs " + b.length);
        }
        double[] d = new double[a.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = a[i] - b[i];
        }
        return of(d);
    }

    /**
     * The percentile bootstrap: {@code resamples} resamples with replacement (seeded, so the interval is
     * reproducible), the 2.5 % and 97.5 % quantiles of the statistic.
     */
    public static Interval bootstrap(double[] samples, ToDoubleFunction<double[]> statistic, int resamples,
                                     long seed) {
        int bad = nonFinite(samples);
        int n = samples.length;
        if (n == 0 || bad > 0) {
            return new Interval(Double.NaN, Double.NaN, Double.NaN, Double.NaN, n, bad);
        }
        double whole = statistic.applyAsDouble(samples);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] stats = new double[resamples];
        double[] draw = new double[n];
        double sum = 0;
        for (int b = 0; b < resamples; b++) {
            for (int i = 0; i < n; i++) {
                draw[i] = samples[rng.nextInt(n)];
            }
            stats[b] = statistic.applyAsDouble(draw);
            sum += stats[b];
        }
        double mean = sum / resamples;
        double ss = 0;
        for (double s : stats) {
            ss += (s - mean) * (s - mean);
        }
        Arrays.sort(stats);
        return new Interval(whole, Math.sqrt(ss / Math.max(1, resamples - 1)), quantile(stats, 0.025),
                quantile(stats, 0.975), n, 0);
    }

    /** The mean of a sample. */
    public static double mean(double[] samples) {
        double s = 0;
        for (double v : samples) {
            s += v;
        }
        return s / samples.length;
    }

    /** Whether the 95 % interval excludes {@code value}. */
    public boolean excludes(double value) {
        return lo > value || hi < value;
    }

    /** {@code mean ± se} with {@link Table#num} digits, or {@code diverged (k of n)}. */
    public String format() {
        if (nonFinite > 0) {
            return "diverged (" + nonFinite + " of " + n + ")";
        }
        return n < 2 ? Table.num(mean) : Table.num(mean) + " ± " + Table.num(se);
    }

    /** {@code mean ± se} with a fixed number of decimals. */
    public String format(int decimals) {
        if (nonFinite > 0) {
            return "diverged (" + nonFinite + " of " + n + ")";
        }
        String f = "%." + decimals + "f";
        return n < 2 ? String.format(Locale.ROOT, f, mean)
                : String.format(Locale.ROOT, f + " ± " + f, mean, se);
    }

    /** {@code [lo, hi]}. */
    public String formatRange() {
        return nonFinite > 0 || n < 2 ? "n/a" : "[" + Table.num(lo) + ", " + Table.num(hi) + "]";
    }

    private static int nonFinite(double[] samples) {
        int bad = 0;
        for (double v : samples) {
            if (!Double.isFinite(v)) {
                bad++;
            }
        }
        return bad;
    }

    private static double quantile(double[] sorted, double p) {
        double h = (sorted.length - 1) * p;
        int i = (int) Math.floor(h);
        int j = Math.min(sorted.length - 1, i + 1);
        return sorted[i] + (h - i) * (sorted[j] - sorted[i]);
    }
}
