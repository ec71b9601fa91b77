package dev.momentumps.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Reads the shared reference files as they are (skipped when they are absent). */
class SharedDataLoadTest {

    @Test
    void airfoil() {
        DenseDataset d = new CsvLoader().load(SharedData.file("airfoil_self_noise.dat"));
        assertEquals(1503, d.rows());
        assertEquals(5, d.features());
        assertEquals(800f, d.value(0, 0));
        assertEquals(126.201f, d.label(0));
    }

    @Test
    void a9aSplits() {
        var file = SharedData.file("a9a.libsvm");
        SparseDataset train = new LibSvmLoader().binaryLabels(true).lines(LineRange.first(32561)).load(file);
        SparseDataset test = new LibSvmLoader().binaryLabels(true).features(train.features())
                .lines(LineRange.from(32561)).load(file);
        assertEquals(32561, train.rows());
        assertEquals(16281, test.rows());
        assertEquals(123, train.features());
        assertEquals(123, test.features());
        assertEquals(0f, train.label(0));
        assertEquals(1f, train.value(0, 2));
        double positives = 0;
        for (int r = 0; r < train.rows(); r++) {
            positives += train.label(r);
        }
        assertEquals(0.24, positives / train.rows(), 0.01, "a9a is about 24% positive");
    }

    @Test
    void optdigits() {
        DenseDataset tra = new CsvLoader().load(SharedData.file("optdigits.tra"));
        DenseDataset tes = new CsvLoader().load(SharedData.file("optdigits.tes"));
        assertEquals(3823, tra.rows());
        assertEquals(1797, tes.rows());
        assertEquals(64, tra.features());
        assertEquals(64, tes.features());
        for (Dataset d : new Dataset[] {tra, tes}) {
            for (int r = 0; r < d.rows(); r++) {
                float y = d.label(r);
                assertTrue(y >= 0 && y <= 9 && y == Math.rint(y), "digit label " + y);
            }
        }
    }
}
