package dev.momentumps.study.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IntervalTest {

    @Test
    void tIntervalByHand() {
        // mean 2.5, s² = 5/3, se = sqrt(5/12), t(0.975, 3) = 3.182446305
        Interval i = Interval.of(1, 2, 3, 4);
        double se = Math.sqrt(5.0 / 12);
        assertEquals(2.5, i.mean(), 1e-12);
        assertEquals(se, i.se(), 1e-12);
        assertEquals(2.5 - 3.182446305 * se, i.lo(), 1e-8);
        assertEquals(2.5 + 3.182446305 * se, i.hi(), 1e-8);
        assertEquals("2.5 ± 0.6455", i.format());
        assertTrue(i.excludes(5));
        assertFalse(i.excludes(2));
    }

    @Test
    void pairedRemovesTheSharedSeedEffect() {
        double[] a = {10, 20, 30, 40};
        double[] b = {9, 19.1, 28.9, 39};
        Interval d = Interval.paired(a, b);
        assertEquals(1.0, d.mean(), 1e-12);
        assertTrue(d.excludes(0), d.toString());
        assertFalse(Interval.of(a).excludes(Interval.mean(b)));
        assertThrows(IllegalArgumentException.class, () -> Interval.paired(a, new double[3]));
    }

    @Test
    void divergedSamplesAreCountedNotAveraged() {
        Interval i = Interval.of(1, Double.POSITIVE_INFINITY, 3);
        assertTrue(Double.isNaN(i.mean()));
        assertEquals(1, i.nonFinite());
        assertEquals("diverged (1 of 3)", i.format());
    }

    @Test
    void bootstrapIsSeededAndCoversTheStatistic() {
        double[] x = new double[50];
        for (int k = 0; k < x.length; k++) {
            x[k] = k % 7;
        }
        Interval a = Interval.bootstrap(x, Interval::mean, 2000, 1);
        Interval b = Interval.bootstrap(x, Interval::mean, 2000, 1);
        assertEquals(a, b);
        assertEquals(Interval.mean(x), a.mean(), 1e-12);
        assertTrue(a.lo() < a.mean() && a.mean() < a.hi(), a.toString());
        // close to the t interval for a mean of 50 well-behaved values
        Interval t = Interval.of(x);
        assertEquals(t.hi() - t.lo(), a.hi() - a.lo(), 0.25 * (t.hi() - t.lo()));
    }
}
