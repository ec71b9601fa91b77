package dev.momentumps.worker.task;

import dev.momentumps.worker.data.CsvLoader;
import dev.momentumps.worker.data.Dataset;
import dev.momentumps.worker.data.DenseDataset;
import dev.momentumps.worker.data.IdxLoader;
import dev.momentumps.worker.data.LineRange;
import dev.momentumps.worker.data.LibSvmLoader;
import dev.momentumps.worker.data.Standardizer;
import dev.momentumps.worker.data.Synthetic;
import dev.momentumps.worker.model.Activation;
import dev.momentumps.worker.model.Model;
import dev.momentumps.worker.model.Models;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Builds a {@link Task} from a {@link TaskSpec}: generates or loads the data, splits, standardises, makes the model. */
public final class Tasks {
    /** {@code --data mnist10k}: the first 8,000 digits train, the last 2,000 test (as {@code momentumps.data.mnist10k}). */
    static final long MNIST10K_TRAIN = 8000;

    private Tasks() {
    }

    public static Task build(TaskSpec spec) {
        String model = spec.model().toLowerCase(Locale.ROOT);
        if (!Models.NAMES.contains(model)) {
            throw new IllegalArgumentException("--model: unknown model '" + spec.model() + "'; valid: "
                    + String.join(", ", Models.NAMES));
        }
        if (model.equals("quadratic")) {
            Model m = create(spec, model, spec.features(), 0);
            return new Task(m, DenseDataset.featureless(spec.samples()), null,
                    "quadratic, d=" + spec.features() + ", eigenvalues " + spec.lambdaMin() + ".." + spec.lambdaMax());
        }
        return spec.synthetic() ? synthetic(spec, model) : fromFiles(spec, model);
    }

    private static Task synthetic(TaskSpec spec, String model) {
        int n = spec.samples();
        int d = spec.features();
        int k = Math.max(2, spec.classes());
        DenseDataset all = switch (model) {
            case "linear" -> Synthetic.linearRegression(n, d, spec.noise(), spec.seed()).data();
            case "logistic" -> Synthetic.logistic(n, d, spec.seed()).data();
            default -> Synthetic.blobs(n, d, k, 3.0, spec.seed()).data();
        };
        int test = (int) Math.round(n * spec.testFraction());
        Dataset train = all.slice(0, n - test);
        Dataset testSet = test == 0 ? null : all.slice(n - test, n);
        Model m = create(spec, model, d, k);
        return new Task(m, train, testSet, model + " on synthetic data (" + train.rows() + " train"
                + (testSet == null ? "" : ", " + testSet.rows() + " test") + ", " + d + " features)");
    }

    private static Task fromFiles(TaskSpec spec, String model) {
        boolean mnist10k = TaskSpec.MNIST10K.equals(spec.data());
        Path file = mnist10k ? IdxLoader.mnist10k() : Path.of(spec.data());
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("--data: cannot read '" + file + "' (no such file, or not readable)");
        }
        String kind = kindOf(spec.format(), file);
        long limit = spec.rows();
        long trainLines = mnist10k && spec.trainLines() == 0 && spec.testData() == null ? MNIST10K_TRAIN
                : spec.trainLines();
        LineRange trainRange = trainLines > 0 ? LineRange.first(cap(trainLines, limit))
                : limit > 0 ? LineRange.first(limit) : LineRange.all();
        Dataset train = load(spec, model, file, kind, trainRange, 0);
        Dataset test = null;
        if (spec.testData() != null) {
            Path tf = Path.of(spec.testData());
            if (!Files.isReadable(tf)) {
                throw new IllegalArgumentException("--test-data: cannot read '" + tf + "'");
            }
            test = load(spec, model, tf, kindOf(spec.format(), tf), LineRange.all(), train.features());
        } else if (trainLines > 0) {
            LineRange rest = limit > 0 ? LineRange.of(trainLines, Math.max(limit, trainLines))
                    : LineRange.from(trainLines);
            test = load(spec, model, file, kind, rest, train.features());
            if (test.rows() == 0) {
                test = null;
            }
        }
        String mode = !spec.standardize().equals("auto") ? spec.standardize()
                : train.isSparse() || kind.equals("idx") ? "none" : "features";
        if (!mode.equals("none")) {
            if (train.isSparse() && mode.equals("all")) {
                throw new IllegalArgumentException("--standardize all needs dense data; " + file + " is sparse");
            }
            Standardizer st = mode.equals("all") ? Standardizer.fitWithLabel(train) : Standardizer.fit(train);
            train = st.apply(train);
            test = test == null ? null : st.apply(test);
        }
        int classes = spec.classes() > 0 && !model.equals("logistic") ? spec.classes() : maxLabel(train, test) + 1;
        Model m = create(spec, model, train.features(), classes);
        return new Task(m, train, test, model + " on " + file.getFileName() + " (" + train.rows() + " train"
                + (test == null ? "" : ", " + test.rows() + " test") + ", " + train.features() + " features"
                + (mode.equals("none") ? "" : ", standardised: " + mode) + ")");
    }

    private static long cap(long n, long limit) {
        return limit > 0 ? Math.min(n, limit) : n;
    }

    private static Dataset load(TaskSpec spec, String model, Path file, String kind, LineRange range, int features) {
        if (kind.equals("idx")) {
            return IdxLoader.load(file, (int) Math.min(range.from(), Integer.MAX_VALUE),
                    (int) Math.min(range.to(), Integer.MAX_VALUE));
        }
        if (kind.equals("libsvm")) {
            LibSvmLoader l = new LibSvmLoader().lines(range).binaryLabels(model.equals("logistic"));
            if (features > 0) {
                l.features(features);
            }
            return l.load(file);
        }
        return new CsvLoader().header(spec.header()).labelColumn(spec.labelColumn()).lines(range).load(file);
    }

    /** libsvm, idx or csv: {@code format} unless it is auto, else by the file's name. */
    private static String kindOf(String format, Path file) {
        if (!format.equals("auto")) {
            return format;
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (IdxLoader.isImagesFile(file)) {
            return "idx";
        }
        return name.endsWith(".libsvm") || name.endsWith(".svm") || name.endsWith(".svmlight") ? "libsvm" : "csv";
    }

    private static int maxLabel(Dataset train, Dataset test) {
        int max = 1;
        for (Dataset d : new Dataset[] {train, test}) {
            if (d == null) {
                continue;
            }
            for (int r = 0; r < d.rows(); r++) {
                max = Math.max(max, (int) d.label(r));
            }
        }
        return max;
    }

    private static Model create(TaskSpec spec, String model, int features, int classes) {
        return Models.create(model, features, classes,
                new Models.Options(spec.hidden(), Activation.TANH, spec.lambdaMin(), spec.lambdaMax()));
    }
}
