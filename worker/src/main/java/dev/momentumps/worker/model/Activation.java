package dev.momentumps.worker.model;

/** Hidden-layer non-linearities of the {@link Mlp}. */
public enum Activation {
    TANH,
    RELU;

    double apply(double a) {
        return this == TANH ? Math.tanh(a) : Math.max(a, 0);
    }

    /** The derivative at pre-activation {@code a}, given the output {@code h = apply(a)}. */
    double derivative(double a, double h) {
        return this == TANH ? 1 - h * h : (a > 0 ? 1 : 0);
    }

    /** Parses "tanh" or "relu", case-insensitively. */
    public static Activation parse(String name) {
        for (Activation a : values()) {
            if (a.name().equalsIgnoreCase(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + name + "'; valid: tanh, relu");
    }
}
