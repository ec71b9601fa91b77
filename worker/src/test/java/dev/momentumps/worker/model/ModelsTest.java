package dev.momentumps.worker.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.wire.TensorLayout;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ModelsTest {

    @Test
    void factoryBuildsEveryNameWithTheDocumentedLayout() {
        Models.Options o = new Models.Options(4, Activation.RELU, 1, 1000);
        assertEquals(TensorLayout.of("x", 5), Models.create("quadratic", 5, 0, o).layout());
        TensorLayout linear = TensorLayout.builder().add("weight", 1, 5).add("bias", 1).build();
        assertEquals(linear, Models.create("linear", 5, 0, o).layout());
        assertEquals(linear, Models.create("Logistic", 5, 0, o).layout());
        assertEquals(TensorLayout.builder().add("weight", 3, 5).add("bias", 3).build(),
                Models.create("softmax", 5, 3, o).layout());
        assertEquals(TensorLayout.builder().add("w1", 4, 5).add("b1", 4).add("w2", 3, 4).add("b2", 3).build(),
                Models.create("mlp", 5, 3, o).layout());
        assertEquals(1000, ((QuadraticModel) Models.create("quadratic", 5, 0, o)).conditionNumber(), 1e-9);
        assertEquals(215_370, Models.create("cnn", 784, 10, o).layout().numElements());
        assertEquals(Models.NAMES.size(), 6);
    }

    @Test
    void unknownNameListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Models.create("svm", 5, 2));
        assertEquals("unknown model 'svm'; valid: quadratic, linear, logistic, softmax, mlp, cnn", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Models.create("softmax", 5, 1));
        assertThrows(IllegalArgumentException.class, () -> Activation.parse("sigmoid"));
    }

    @Test
    void initialisationIsSeededAndLinearModelsStartAtZero() {
        for (String name : Models.NAMES) {
            Model m = Models.create(name, name.equals("cnn") ? 64 : 6, 3);
            float[] a = new float[m.layout().numElements()];
            float[] b = new float[a.length];
            m.initialize(a, 7);
            m.initialize(b, 7);
            assertArrayEquals(a, b, name + " deterministic for a seed");
        }
        float[] w = {9, 9, 9};
        new LogisticRegression(2).initialize(w, 1);
        assertArrayEquals(new float[3], w);
        float[] r = new float[3];
        new LinearRegression(2, 0.1).initialize(r, 1);
        assertTrue(r[0] != 0 && r[2] == 0, "scaled init draws weights, not the bias");
        Model mlp = Models.create("mlp", 6, 3);
        float[] a = new float[mlp.layout().numElements()];
        float[] b = new float[a.length];
        mlp.initialize(a, 1);
        mlp.initialize(b, 2);
        assertFalse(Arrays.equals(a, b), "seeds differ");
    }

    @Test
    void wrongShapesAreRejectedClearly() {
        Model m = new LinearRegression(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.loss(new float[4], dev.momentumps.worker.data.DenseDataset.featureless(2)));
        assertEquals("model expects 3 features, data has 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.initialize(new float[3], 0));
    }
}
