package dev.momentumps.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
    private static final long S = 1_000_000_000L;

    @Test
    void noLossIsADashNotNaN() {
        String l = new ProgressLine(System.out, false, 100).line(0, 0, Double.NaN, 0, 0);
        assertTrue(l.contains("loss -  staleness 0.00"), l);
        assertFalse(l.contains("NaN"), l);
    }

    @Test
    void theBarKeepsItsWidthAndTheEtaStartsAtTheFirstUpdate() {
        ProgressLine p = new ProgressLine(System.out, false, 1000);
        // 6 s of start-up with no update, then 100 pushes a second
        String start = p.line(0, 0, Double.NaN, 0, 6 * S);
        String first = p.line(10, 10, 0.69, 1.5, 7 * S);
        String later = p.line(510, 500, 0.41, 2.0, 12 * S);
        int bar = start.indexOf(']') - start.indexOf('[');
        assertEquals(ProgressLine.BAR + 1, bar, start);
        assertEquals(bar, later.indexOf(']') - later.indexOf('['), later);
        assertFalse(first.contains("ETA"), "no rate yet: " + first);
        // (510 - 10) pushes in 5 s since the first update: 100/s, 490 left: 4.9 s
        assertTrue(later.contains("100 pushes/s  ETA 0:05"), later);
        assertTrue(later.contains(" 51% 510/1000 pushes"), later);
    }

    @Test
    void waitingForWorkersSaysHowManyHaveRegistered() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new ProgressLine(new PrintStream(out, true, StandardCharsets.UTF_8), false, 10).waiting(2, 4, S);
        assertEquals("train  starting: waiting for workers (2/4 registered)\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aLogGetsOneFullBarTheFinishLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProgressLine p = new ProgressLine(new PrintStream(out, true, StandardCharsets.UTF_8), false, 10);
        p.running(5, 5, 0.5, 1, S);
        p.running(10, 10, 0.4, 1, 4 * S);
        p.finish(10, 10, 0.3, 1, 5 * S);
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length, out.toString(StandardCharsets.UTF_8));
        assertTrue(lines[0].contains(" 50% 5/10 pushes"), lines[0]);
        assertTrue(lines[1].contains("100% 10/10 pushes") && lines[1].contains("loss 0.3000"), lines[1]);
    }
}
