package dev.momentumps.worker.model;

import dev.momentumps.worker.data.Dataset;

/**
 * Binary logistic regression, labels 0/1: p = σ(w·x + b), mean log-loss computed stably as
 * softplus(z) − y·z with softplus(z) = max(z, 0) + log1p(exp(−|z|)). Zero-initialised by default.
 */
public final class LogisticRegression extends GeneralizedLinearModel {

    public LogisticRegression(int features) {
        this(features, 0);
    }

    /** With weights initialised N(0, initScale²) from the seed (0: zeros). */
    public LogisticRegression(int features, double initScale) {
        super(features, initScale);
    }

    /** σ(z) without overflow for large |z|. */
    static double sigmoid(double z) {
        if (z >= 0) {
            return 1.0 / (1.0 + Math.exp(-z));
        }
        double e = Math.exp(z);
        return e / (1.0 + e);
    }

    private static void checkLabel(float y) {
        if (y != 0f && y != 1f) {
            throw new IllegalArgumentException("logistic regression needs labels 0/1, got " + y
                    + " (map ±1 labels with LibSvmLoader.binaryLabels(true))");
        }
    }

    @Override
    protected double loss(double z, float y) {
        checkLabel(y);
        return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - y * z;
    }

    @Override
    protected double lossDerivative(double z, float y) {
        return sigmoid(z) - y;
    }

    /** The fraction of rows with (z > 0) matching label 1. */
    @Override
    public double accuracy(float[] w, Dataset data) {
        ModelChecks.data(w, layout(), data, features());
        int n = data.rows();
        int correct = 0;
        for (int r = 0; r < n; r++) {
            boolean positive = score(w, data, r) > 0;
            if (positive == (data.label(r) >= 0.5f)) {
                correct++;
            }
        }
        return (double) correct / n;
    }
}
