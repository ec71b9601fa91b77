package dev.momentumps.worker.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SyntheticTest {

    @Test
    void linearRegressionLabelsFollowTheTruth() {
        SyntheticData s = Synthetic.linearRegression(200, 3, 0, 1);
        assertEquals(4, s.truth().length);
        DenseDataset d = s.data();
        for (int r = 0; r < d.rows(); r++) {
            assertEquals(d.dot(r, s.truth(), 0) + s.truth()[3], d.label(r), 1e-4);
        }
        assertEquals(s.truth()[0], Synthetic.linearRegression(200, 3, 0, 1).truth()[0], "seeded");
        assertFalse(s.truth()[0] == Synthetic.linearRegression(200, 3, 0, 2).truth()[0]);
    }

    @Test
    void logisticLabelsAreBinaryAndAgreeMostlyWithTheTruth() {
        SyntheticData s = Synthetic.logistic(2000, 5, 7);
        DenseDataset d = s.data();
        int agree = 0;
        for (int r = 0; r < d.rows(); r++) {
            float y = d.label(r);
            assertTrue(y == 0f || y == 1f);
            if ((d.dot(r, s.truth(), 0) + s.truth()[5] > 0) == (y == 1f)) {
                agree++;
            }
        }
        assertTrue(agree > 1500, "agreement " + agree);
    }

    @Test
    void blobsHaveEveryClassAndAreReproducible() {
        SyntheticData s = Synthetic.blobs(300, 2, 4, 5, 11);
        int[] counts = new int[4];
        for (int r = 0; r < 300; r++) {
            counts[(int) s.data().label(r)]++;
        }
        for (int c : counts) {
            assertTrue(c > 30, "class count " + c);
        }
        assertArrayEquals(s.truth(), Synthetic.blobs(300, 2, 4, 5, 11).truth());
    }
}
