package dev.momentumps.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StalenessLineTest {

    @Test
    void aShortHistogramIsPrintedWhole() {
        assertEquals("mean 2.994, max 3, histogram [1, 1, 1, 997]",
                TrainRun.stalenessLine(2.994, 3, new long[] {1, 1, 1, 997}));
    }

    @Test
    void aLongTailIsPrintedAsItsHeadAndQuantiles() {
        long[] h = new long[3881];
        h[0] = 40;
        h[10] = 50;
        h[100] = 9;
        h[3880] = 1;
        String line = TrainRun.stalenessLine(48.7, 3880, h);
        assertTrue(line.startsWith("mean 48.700, median 10, p90 10, p99 100, max 3880, histogram [40, 0, 0, 0, 0, 0, 0, "
                + "0, 0, 0, 50, 0, "), line);
        assertTrue(line.endsWith(", ...] (all 3881 values in summary.json)"), line);
        assertTrue(line.length() < 200, "one terminal line, not thousands of counts: " + line.length());
    }
}
