package dev.momentumps.worker.model;

import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.data.Dataset;

/** Argument checks shared by the models (once per call, never per example). */
final class ModelChecks {

    private ModelChecks() {
    }

    static void parameters(float[] w, TensorLayout layout) {
        if (w.length != layout.numElements()) {
            throw new IllegalArgumentException("parameter vector has " + w.length + " elements, layout "
                    + layout + " needs " + layout.numElements());
        }
    }

    static void gradient(float[] w, float[] g, TensorLayout layout) {
        parameters(w, layout);
        if (g.length != w.length) {
            throw new IllegalArgumentException("gradient has " + g.length + " elements, parameters " + w.length);
        }
    }

    private static void features(Dataset data, int features) {
        if (data.features() != features) {
            throw new IllegalArgumentException("model expects " + features + " features, data has "
                    + data.features());
        }
    }

    static void data(float[] w, TensorLayout layout, Dataset data, int features) {
        parameters(w, layout);
        features(data, features);
        if (data.rows() == 0) {
            throw new IllegalArgumentException("empty dataset");
        }
    }

    static void batch(float[] w, float[] g, TensorLayout layout, Dataset data, int features, int count) {
        gradient(w, g, layout);
        features(data, features);
        if (count < 1) {
            throw new IllegalArgumentException("minibatch must hold at least one row, got " + count);
        }
    }

    /** The class index of a label, or an exception naming the row. */
    static int classOf(float label, int row, int classes) {
        int c = (int) label;
        if (c != label || c < 0 || c >= classes) {
            throw new IllegalArgumentException("label " + label + " of row " + row + " is not a class in 0.."
                    + (classes - 1));
        }
        return c;
    }
}
