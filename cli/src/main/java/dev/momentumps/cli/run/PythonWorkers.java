package dev.momentumps.cli.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.momentumps.wire.TensorLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where the Python workers' interpreter and package are, and how to ask a worker script what it trains.
 * The interpreter is {@code $MPS_PYTHON}, else Debian's {@code /usr/bin/python3} (it has python3-torch,
 * python3-grpcio and python3-protobuf; src/scripts/ensure-python.sh installs them). The package
 * ({@code python/momentumps}) is found beside this program's jar or classes in the project tree, or at
 * {@code $MPS_PYTHON_PATH}.
 */
public final class PythonWorkers {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String python;
    private final Path packageParent;

    public PythonWorkers(String python, Path packageParent) {
        this.python = python;
        this.packageParent = packageParent;
    }

    /** From the environment and this program's location. @throws IllegalStateException when not found */
    public static PythonWorkers find() {
        String python = System.getenv().getOrDefault("MPS_PYTHON", "/usr/bin/python3");
        String env = System.getenv("MPS_PYTHON_PATH");
        if (env != null && !env.isBlank()) {
            return new PythonWorkers(python, checked(Path.of(env), "MPS_PYTHON_PATH"));
        }
        try {
            Path here = Path.of(PythonWorkers.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = here; p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve("python/momentumps/__init__.py"))) {
                    return new PythonWorkers(python, p.resolve("python"));
                }
            }
        } catch (java.net.URISyntaxException | SecurityException e) {
            // fall through to the error below
        }
        throw new IllegalStateException("--worker-script: cannot find the momentumps package (python/momentumps "
                + "beside this program); set MPS_PYTHON_PATH to the directory holding it");
    }

    private static Path checked(Path p, String what) {
        if (!Files.isRegularFile(p.resolve("momentumps/__init__.py"))) {
            throw new IllegalStateException(what + ": " + p + " holds no momentumps package");
        }
        return p;
    }

    /** {@code python -m MODULE ARGS...}. */
    public List<String> command(String module, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(python, "-m", module));
        cmd.addAll(args);
        return cmd;
    }

    /** The environment a Python worker needs on top of this process's: the package on its path. */
    public Map<String, String> environment() {
        String path = System.getenv("PYTHONPATH");
        return Map.of("PYTHONPATH", packageParent + (path == null || path.isEmpty() ? "" : ":" + path),
                "PYTHONUNBUFFERED", "1");
    }

    /** What a worker script trains with W workers: its layout, every rank's steps, whether it evaluates. */
    public record Description(TensorLayout layout, List<Long> steps, int batchSize, boolean evaluates) {
    }

    /**
     * Runs the script's {@code --describe}. @throws IllegalArgumentException with the script's one-line error
     * (a missing data file, a bad script) when it fails
     */
    public Description describe(Path script, int workers, List<String> options) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--script", script.toString(), "--workers",
                Integer.toString(workers), "--describe"));
        args.addAll(options);
        ProcessBuilder pb = new ProcessBuilder(command("momentumps.worker", args));
        pb.environment().putAll(environment());
        Path err = Files.createTempFile("mps-describe-", ".err");
        try {
            Process p;
            try {
                p = pb.redirectError(err.toFile()).start();
            } catch (IOException e) {
                throw new IllegalStateException("--worker-script: cannot run " + python + " (" + e.getMessage()
                        + "); install Debian's python3 packages with src/scripts/ensure-python.sh or set MPS_PYTHON");
            }
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("--worker-script " + script + ": --describe did not finish in 5 min");
            }
            if (p.exitValue() != 0) {
                String message = Files.readString(err).strip();
                throw new IllegalArgumentException("--worker-script " + script + ": " + (message.isEmpty()
                        ? "exit code " + p.exitValue() : message.substring(message.lastIndexOf('\n') + 1)));
            }
            JsonNode d = JSON.readTree(new String(out, StandardCharsets.UTF_8));
            TensorLayout.Builder b = TensorLayout.builder();
            for (JsonNode t : d.get("layout")) {
                long[] shape = new long[t.get("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = t.get("shape").get(i).asLong();
                }
                b.add(t.get("name").asText(), shape);
            }
            List<Long> steps = new ArrayList<>();
            d.get("steps").forEach(s -> steps.add(s.asLong()));
            return new Description(b.build(), steps, d.get("batch_size").asInt(), d.get("evaluates").asBoolean());
        } finally {
            Files.deleteIfExists(err);
        }
    }

    /** A process that evaluates weights with the script's {@code evaluate(model)}; see {@link ScriptEvaluator}. */
    public ScriptEvaluator evaluator(Path script, String description, List<String> options) throws IOException {
        List<String> args = new ArrayList<>(List.of("--script", script.toString()));
        args.addAll(options);
        ProcessBuilder pb = new ProcessBuilder(command("momentumps.evaluate", args))
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(environment());
        return new ScriptEvaluator(pb.start(), description);
    }
}
