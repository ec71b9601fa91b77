package dev.momentumps.cli.options;

import dev.momentumps.worker.task.GradientTask;
import dev.momentumps.worker.task.TaskSpec;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The model, the data and how long to train: everything a worker needs besides the server's address. */
public final class TaskOptions {
    private static final TaskSpec D = TaskSpec.defaults();

    @Option(names = "--model", paramLabel = "MODEL", defaultValue = "logistic",
            description = "quadratic, linear, logistic, softmax, mlp or cnn (two 5x5 conv layers of 16 and 32 channels, "
                    + "max-pooling, 128 hidden units: the network of python/examples/mnist_cnn.py; square images, e.g. "
                    + "--data mnist10k). Default: ${DEFAULT-VALUE}.")
    public String model = D.model();

    @Option(names = "--data", paramLabel = "FILE", defaultValue = TaskSpec.SYNTHETIC,
            description = "A CSV/TSV, LibSVM or IDX images file, 'synthetic' (built in) or 'mnist10k' (the shared 10,000 "
                    + "MNIST digits in ../shared/data: 8,000 train, 2,000 test). Default: ${DEFAULT-VALUE}.")
    public String data = D.data();

    @Option(names = "--format", paramLabel = "FMT", defaultValue = "auto",
            description = "auto (by name: .libsvm/.svm are LibSVM, *images-idx3* IDX), csv, libsvm or idx (labels file "
                    + "beside it, *labels-idx1*). Default: ${DEFAULT-VALUE}.")
    public String format = D.format();

    @Option(names = "--test-data", paramLabel = "FILE", description = "A separate test file.")
    public String testData;

    @Option(names = "--train-lines", paramLabel = "N", defaultValue = "0",
            description = "The first N lines of --data train and the rest test (a9a: 32561); 0: all train.")
    public long trainLines;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "0",
            description = "Read only the first N lines of --data (D2L's airfoil: 1500); 0: all.")
    public long rows;

    @Option(names = "--header", description = "The CSV file has a header line.")
    public boolean header;

    @Option(names = "--label-column", paramLabel = "J", defaultValue = "-1",
            description = "CSV label column (0-based; negative counts from the end). Default: ${DEFAULT-VALUE}.")
    public int labelColumn = -1;

    @Option(names = "--standardize", paramLabel = "WHAT", defaultValue = "auto",
            description = "auto (features of dense files), none, features, all (features and label). "
                    + "Default: ${DEFAULT-VALUE}.")
    public String standardize = D.standardize();

    @Option(names = "--samples", paramLabel = "N", defaultValue = "20000",
            description = "Synthetic data: examples. Default: ${DEFAULT-VALUE}.")
    public int samples = D.samples();

    @Option(names = "--features", paramLabel = "D", defaultValue = "20",
            description = "Synthetic data: features (quadratic: dimension). Default: ${DEFAULT-VALUE}.")
    public int features = D.features();

    @Option(names = "--classes", paramLabel = "K", defaultValue = "0",
            description = "softmax/mlp classes; 0: 3 for synthetic data, max label + 1 for files.")
    public int classes;

    @Option(names = "--noise", paramLabel = "SIGMA", defaultValue = "0.1",
            description = "Synthetic linear regression: label noise σ. Default: ${DEFAULT-VALUE}.")
    public double noise = D.noise();

    @Option(names = "--test-fraction", paramLabel = "F", defaultValue = "0.2",
            description = "Synthetic data: held-out fraction. Default: ${DEFAULT-VALUE}.")
    public double testFraction = D.testFraction();

    @Option(names = "--hidden", paramLabel = "H", defaultValue = "64",
            description = "mlp hidden units. Default: ${DEFAULT-VALUE}.")
    public int hidden = D.hidden();

    @Option(names = "--lambda-min", paramLabel = "L", defaultValue = "1",
            description = "quadratic: smallest eigenvalue. Default: ${DEFAULT-VALUE}.")
    public double lambdaMin = D.lambdaMin();

    @Option(names = "--lambda-max", paramLabel = "L", defaultValue = "100",
            description = "quadratic: largest eigenvalue (geometric spectrum). Default: ${DEFAULT-VALUE}.")
    public double lambdaMax = D.lambdaMax();

    @Option(names = {"-b", "--batch-size"}, paramLabel = "B", defaultValue = "32",
            description = "Minibatch size per worker. Default: ${DEFAULT-VALUE}.")
    public int batchSize = D.batchSize();

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Seeds data, initial weights and samplers. Default: ${DEFAULT-VALUE}.")
    public long seed = D.seed();

    @Option(names = "--grad-noise", paramLabel = "SIGMA", defaultValue = "0",
            description = "Additive Gaussian gradient noise σ on top of minibatch noise. Default: ${DEFAULT-VALUE}.")
    public double gradNoise;

    @Option(names = "--epochs", paramLabel = "E", defaultValue = "5",
            description = "Passes over each worker's shard. Default: ${DEFAULT-VALUE}.")
    public int epochs = 5;

    @Option(names = "--updates", paramLabel = "N", defaultValue = "0",
            description = "Total pushes over all workers instead of --epochs; 0: use --epochs.")
    public long updates;

    public TaskSpec spec() {
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
        }
        if (updates < 0) {
            throw new IllegalArgumentException("--updates must be >= 0, got " + updates);
        }
        return new TaskSpec(model, data, format, testData, trainLines, rows, header, labelColumn, standardize,
                samples, features, classes, noise, testFraction, hidden, lambdaMin, lambdaMax, batchSize, seed,
                gradNoise);
    }

    /** The pushes worker {@code task} makes: its share of --updates, or --epochs passes over its shard. */
    public long stepsFor(GradientTask task, int workers) {
        return updates > 0 ? (updates + workers - 1) / workers : (long) epochs * task.stepsPerEpoch();
    }

    /** These options as arguments for a worker process. */
    public List<String> toArgs() {
        List<String> a = new ArrayList<>();
        Args.add(a, "--model", model);
        Args.add(a, "--data", data);
        Args.add(a, "--format", format);
        Args.add(a, "--test-data", testData);
        Args.add(a, "--train-lines", trainLines);
        Args.add(a, "--rows", rows);
        Args.flag(a, "--header", header);
        Args.add(a, "--label-column", labelColumn);
        Args.add(a, "--standardize", standardize);
        Args.add(a, "--samples", samples);
        Args.add(a, "--features", features);
        Args.add(a, "--classes", classes);
        Args.add(a, "--noise", noise);
        Args.add(a, "--test-fraction", testFraction);
        Args.add(a, "--hidden", hidden);
        Args.add(a, "--lambda-min", lambdaMin);
        Args.add(a, "--lambda-max", lambdaMax);
        Args.add(a, "--batch-size", batchSize);
        Args.add(a, "--seed", seed);
        Args.add(a, "--grad-noise", gradNoise);
        Args.add(a, "--epochs", epochs);
        Args.add(a, "--updates", updates);
        return a;
    }
}
