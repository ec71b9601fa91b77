package dev.momentumps.worker.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.worker.data.IdxLoader;
import dev.momentumps.worker.data.SharedData;
import dev.momentumps.worker.model.Cnn;
import org.junit.jupiter.api.Test;

/** {@code --model cnn --data mnist10k}: the shared digits, split as python's mnist10k(), unstandardised. */
class MnistTaskTest {

    private static TaskSpec spec(String model, String data, long trainLines) {
        TaskSpec d = TaskSpec.defaults();
        return new TaskSpec(model, data, "auto", null, trainLines, 0, false, -1, "auto", d.samples(), d.features(), 0,
                d.noise(), d.testFraction(), d.hidden(), d.lambdaMin(), d.lambdaMax(), 64, 1, 0.0);
    }

    @Test
    void mnist10kSplitsEightThousandToTwoThousandWithPixelsInTheUnitInterval() {
        SharedData.file(IdxLoader.MNIST10K_IMAGES);
        Task t = Tasks.build(spec("cnn", TaskSpec.MNIST10K, 0));
        assertTrue(t.model() instanceof Cnn);
        assertEquals(8000, t.train().rows());
        assertEquals(2000, t.test().rows());
        assertEquals(784, t.train().features());
        float max = 0;
        float min = 0;
        for (int j = 0; j < 784; j++) {
            max = Math.max(max, t.train().value(0, j));
            min = Math.min(min, t.train().value(0, j));
        }
        assertEquals(1f, max, "not standardised");
        assertEquals(0f, min);
        assertTrue(t.description().contains("8000 train, 2000 test"), t.description());

        Task byPath = Tasks.build(spec("mlp", SharedData.file(IdxLoader.MNIST10K_IMAGES).toString(), 9000));
        assertEquals(9000, byPath.train().rows());
        assertEquals(1000, byPath.test().rows());
        assertEquals(t.train().value(3, 300), byPath.train().value(3, 300));
    }

    @Test
    void cnnOnDataThatIsNotImagesIsRefusedNamingTheShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tasks.build(spec("cnn", TaskSpec.SYNTHETIC, 0)));
        assertTrue(e.getMessage().contains("square images"), e.getMessage());
    }
}
