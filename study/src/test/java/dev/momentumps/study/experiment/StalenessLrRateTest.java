package dev.momentumps.study.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Clopper–Pearson failure-rate intervals, including the ends where one bound is exact (0 or 1). */
class StalenessLrRateTest {

    @Test
    void exactIntervalsIncludingNoneAndAllFailed() {
        assertEquals("0 of 16 (0-21 %)", StalenessLr.rate(0, 16), "upper bound 1 - 0.025^(1/16) = 0.206");
        assertEquals("2 of 16 (2-38 %)", StalenessLr.rate(2, 16));
        assertEquals("16 of 16 (79-100 %)", StalenessLr.rate(16, 16), "lower bound 0.025^(1/16) = 0.794");
    }
}
