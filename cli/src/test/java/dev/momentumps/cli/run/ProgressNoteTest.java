package dev.momentumps.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProgressNoteTest {

    @Test
    void beforeAnyLossExistsTheLineShowsADashNotNaN() {
        assertEquals(" loss -  staleness 0.00", TrainRun.progressNote(Double.NaN, 0));
    }

    @Test
    void aLossIsShownToFourDigits() {
        assertEquals(" loss 0.6931  staleness 2.97", TrainRun.progressNote(0.693147, 2.9712));
    }
}
