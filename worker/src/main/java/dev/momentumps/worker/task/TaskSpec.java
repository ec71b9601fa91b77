package dev.momentumps.worker.task;

/**
 * What to train: the model and the data, every knob with its default in one typed place. Each process of
 * a run (server-side reports, every worker, the simulator) builds the same {@link Task} from the same spec.
 *
 * @param model        quadratic, linear, logistic, softmax, mlp or cnn
 * @param data         {@code synthetic} (built in, no download), {@code mnist10k} (the shared 10,000 MNIST digits,
 *                     found through {@link dev.momentumps.worker.data.SharedDirectory}: the first 8,000 train, the
 *                     last 2,000 test, unless {@code trainLines} says otherwise) or a file path
 * @param format       auto (by extension; {@code *images-idx3*} is IDX), csv (any delimiter), libsvm or idx (an
 *                     IDX images file, its labels file beside it; pixels scaled to [0, 1], one row per image)
 * @param testData     a separate test file, or null
 * @param trainLines   with a file and no test file: the first N data lines train, the rest test (0: all train)
 * @param rows         read only the first N data lines (0: all), e.g. 1500 for the D2L airfoil recipe
 * @param header       the CSV file has a header line
 * @param labelColumn  the CSV label column, negative counts from the end (-1: last)
 * @param standardize  auto (features of dense files), none, features, or all (features and label)
 * @param samples      synthetic: number of examples
 * @param features     synthetic: number of features (for quadratic: the dimension)
 * @param classes      softmax/mlp: number of classes (synthetic blobs; files: max label + 1 if 0)
 * @param noise        synthetic linear regression: label noise standard deviation
 * @param testFraction synthetic: the fraction of examples held out for testing
 * @param hidden       mlp: hidden units
 * @param lambdaMin    quadratic: smallest eigenvalue
 * @param lambdaMax    quadratic: largest eigenvalue (geometric spectrum in between)
 * @param batchSize    minibatch size per worker
 * @param seed         seeds data generation, initial weights and every worker's sampler
 * @param gradNoise    additive Gaussian gradient noise standard deviation, on top of minibatch noise
 */
public record TaskSpec(String model, String data, String format, String testData, long trainLines, long rows,
                       boolean header, int labelColumn, String standardize, int samples, int features,
                       int classes, double noise, double testFraction, int hidden, double lambdaMin,
                       double lambdaMax, int batchSize, long seed, double gradNoise) {

    public static final String SYNTHETIC = "synthetic";
    public static final String MNIST10K = "mnist10k";

    public TaskSpec {
        require(batchSize >= 1, "--batch-size must be >= 1, got " + batchSize);
        require(samples >= 2, "--samples must be >= 2, got " + samples);
        require(features >= 1, "--features must be >= 1, got " + features);
        require(classes >= 0, "--classes must be >= 0, got " + classes);
        require(noise >= 0, "--noise must be >= 0, got " + noise);
        require(testFraction >= 0 && testFraction < 1, "--test-fraction must be in [0, 1), got " + testFraction);
        require(hidden >= 1, "--hidden must be >= 1, got " + hidden);
        require(lambdaMin > 0 && lambdaMax >= lambdaMin,
                "--lambda-min and --lambda-max must satisfy 0 < min <= max, got " + lambdaMin + ", " + lambdaMax);
        require(gradNoise >= 0, "--grad-noise must be >= 0, got " + gradNoise);
        require(trainLines >= 0, "--train-lines must be >= 0, got " + trainLines);
        require(rows >= 0, "--rows must be >= 0, got " + rows);
        require(java.util.List.of("auto", "none", "features", "all").contains(standardize),
                "--standardize must be auto, none, features or all, got " + standardize);
        require(java.util.List.of("auto", "csv", "libsvm", "idx").contains(format),
                "--format must be auto, csv, libsvm or idx, got " + format);
    }

    /** Logistic regression on 20,000 synthetic examples with 20 features, minibatch 32, seed 42. */
    public static TaskSpec defaults() {
        return new TaskSpec("logistic", SYNTHETIC, "auto", null, 0, 0, false, -1, "auto", 20_000, 20, 3, 0.1,
                0.2, 64, 1.0, 100.0, 32, 42, 0.0);
    }

    public boolean synthetic() {
        return SYNTHETIC.equals(data);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
