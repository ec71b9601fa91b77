package dev.momentumps.study.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimeDistributionTest {

    /** {mean, CV²} of n draws. */
    private static double[] moments(TimeDistribution d, int n) {
        SplittableRandom r = new SplittableRandom(7);
        double s = 0;
        double ss = 0;
        for (int i = 0; i < n; i++) {
            double x = d.sample(r);
            assertTrue(x >= 0, d + " drew " + x);
            s += x;
            ss += x * x;
        }
        double m = s / n;
        return new double[] {m, (ss / n - m * m) / (m * m)};
    }

    @Test
    void drawsMatchTheStatedMeanAndVariation() {
        TimeDistribution[] ds = {new TimeDistribution.Gamma(100, 1.28), new TimeDistribution.Gamma(0.5, 2),
            new TimeDistribution.Gamma(2, 0.5), new TimeDistribution.LogNormal(-0.5, 1),
            new TimeDistribution.Pareto(5, 1), new TimeDistribution.Exponential(2)};
        for (TimeDistribution d : ds) {
            double[] m = moments(d, 400_000);
            assertEquals(d.mean(), m[0], 0.01 * d.mean(), d + " mean");
            assertEquals(d.cv2(), m[1], 0.04 * d.cv2() + 1e-4, d + " CV²");
        }
        // DANA's gamma: nearly constant, so far from memoryless
        assertEquals(128, new TimeDistribution.Gamma(100, 1.28).mean(), 1e-9);
        assertEquals(0.01, new TimeDistribution.Gamma(100, 1.28).cv2(), 1e-12);
        assertEquals(Double.POSITIVE_INFINITY, new TimeDistribution.Pareto(1.5, 1).cv2());
    }

    @Test
    void parsesEveryKindAndNamesTheFlagOnErrors(@TempDir Path dir) throws Exception {
        assertEquals(new TimeDistribution.Gamma(100, 1.28), TimeDistribution.parse("gamma:100:1.28", "x"));
        assertEquals(new TimeDistribution.LogNormal(0, 0.5), TimeDistribution.parse("LogNormal:0:0.5", "x"));
        assertEquals(new TimeDistribution.Pareto(1.5, 0.2), TimeDistribution.parse("pareto:1.5:0.2", "x"));
        Path trace = dir.resolve("Times.txt");
        Files.writeString(trace, "# measured\n0.5\n1.5, 2.0\n\n1.0 # last\n");
        TimeDistribution t = TimeDistribution.parse("trace:" + trace, "--compute-time");
        assertInstanceOf(TimeDistribution.Trace.class, t);
        assertEquals(1.25, t.mean(), 1e-12);
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 100; i++) {
            double x = t.sample(r);
            assertTrue(x == 0.5 || x == 1.5 || x == 2.0 || x == 1.0, "drew " + x);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TimeDistribution.parse("gamma:0:1", "--compute-time"));
        assertTrue(e.getMessage().startsWith("--compute-time: 'gamma:0:1'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TimeDistribution.parse("trace:" + dir.resolve("missing"), "--network-delay"));
        assertTrue(e.getMessage().startsWith("--network-delay: cannot read"), e.getMessage());
        Files.writeString(trace, "1\nfast\n");
        e = assertThrows(IllegalArgumentException.class, () -> TimeDistribution.parse("trace:" + trace, "--compute-time"));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("'fast'"), e.getMessage());
    }
}
