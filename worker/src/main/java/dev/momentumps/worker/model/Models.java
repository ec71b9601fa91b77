package dev.momentumps.worker.model;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/** Builds models by name: {@code quadratic}, {@code linear}, {@code logistic}, {@code softmax}, {@code mlp}, {@code cnn}. */
public final class Models {

    /** The valid model names. */
    public static final List<String> NAMES = List.of("quadratic", "linear", "logistic", "softmax", "mlp", "cnn");

    /**
     * Settings beyond features and classes.
     *
     * @param hidden     MLP hidden units
     * @param activation MLP non-linearity
     * @param lambdaMin  smallest quadratic eigenvalue
     * @param lambdaMax  largest quadratic eigenvalue (geometric spectrum in between)
     */
    public record Options(int hidden, Activation activation, double lambdaMin, double lambdaMax) {
        public Options {
            Objects.requireNonNull(activation, "activation");
        }

        /** 64 tanh hidden units; quadratic eigenvalues from 1 to 100. */
        public static Options defaults() {
            return new Options(64, Activation.TANH, 1.0, 100.0);
        }
    }

    private Models() {
    }

    /** {@link #create(String, int, int, Options)} with {@link Options#defaults()}. */
    public static Model create(String name, int features, int classes) {
        return create(name, features, classes, Options.defaults());
    }

    /**
     * A model by name. {@code features} is the input dimension (for {@code quadratic} the dimension of x);
     * {@code classes} is used by {@code softmax} (k >= 2), {@code mlp} (k >= 2 classifies, k <= 1
     * regresses) and {@code cnn} (k >= 2; its features are the pixels of a square image, see {@link Cnn})
     * and ignored by the others.
     *
     * @throws IllegalArgumentException for an unknown name, listing the valid ones
     */
    public static Model create(String name, int features, int classes, Options options) {
        String key = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        switch (key) {
            case "quadratic":
                return QuadraticModel.geometric(features, options.lambdaMin(), options.lambdaMax());
            case "linear":
                return new LinearRegression(features);
            case "logistic":
                return new LogisticRegression(features);
            case "softmax":
                return new SoftmaxRegression(features, classes);
            case "mlp":
                return new Mlp(features, options.hidden(), classes, options.activation());
            case "cnn":
                return Cnn.mnist(features, classes);
            default:
                throw new IllegalArgumentException("unknown model '" + name + "'; valid: " + String.join(", ", NAMES));
        }
    }
}
