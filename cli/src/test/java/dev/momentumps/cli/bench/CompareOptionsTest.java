package dev.momentumps.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CompareOptionsTest {
    @Test
    void scalingWorkersTakeACommaListAndEmptyMeansNone() {
        assertEquals(List.of(1, 2, 4, 8), CompareBench.workerCounts("1,2,4,8", "--scaling-workers"));
        assertEquals(List.of(3, 5), CompareBench.workerCounts(" 3, 5 ", "--scaling-workers"));
        assertEquals(List.of(), CompareBench.workerCounts("", "--scaling-workers"));
        assertEquals(List.of(), CompareBench.workerCounts("  ", "--scaling-workers"));
    }
}
