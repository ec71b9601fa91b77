package dev.momentumps.worker.model;

/** Least squares: ŷ = w·x + b, loss (ŷ − y)²/2 averaged over the batch. Zero-initialised by default. */
public final class LinearRegression extends GeneralizedLinearModel {

    public LinearRegression(int features) {
        this(features, 0);
    }

    /** With weights initialised N(0, initScale²) from the seed (0: zeros). */
    public LinearRegression(int features, double initScale) {
        super(features, initScale);
    }

    @Override
    protected double loss(double z, float y) {
        double e = z - y;
        return 0.5 * e * e;
    }

    @Override
    protected double lossDerivative(double z, float y) {
        return z - y;
    }
}
