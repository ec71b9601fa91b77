package dev.momentumps.cli.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How to start one worker process of a run, as typed fields: a Java {@code mps worker} or a Python
 * {@code python3 -m momentumps.worker}, told the same things (rank, world size, injected delay, straggler
 * slowdown, waiting for the whole world) with the same flags. {@link #args} builds the command line once
 * the servers' addresses are known.
 *
 * @param rank         the worker's rank in [0, workers)
 * @param workers      the world size
 * @param program      what the worker runs
 * @param delayMillis  sleep before each push (0: none)
 * @param slowdown     a straggler's factor (1: none)
 * @param awaitWorkers start training once all {@code workers} have registered
 * @param log          the process's stdout and stderr
 */
public record WorkerLaunch(int rank, int workers, Program program, long delayMillis, double slowdown,
                           boolean awaitWorkers, Path log) {

    /** What a worker runs. */
    public sealed interface Program permits JavaTask, PythonScript {
    }

    /** {@code mps worker} with these task options (model, data, batch size, ...) and wire options. */
    public record JavaTask(List<String> taskOptions, List<String> wireOptions) implements Program {
        public JavaTask {
            taskOptions = List.copyOf(taskOptions);
            wireOptions = List.copyOf(wireOptions);
        }
    }

    /**
     * {@code python3 -m momentumps.worker --script FILE} with these options (batch size, epochs, seed,
     * transport, compression).
     */
    public record PythonScript(PythonWorkers python, Path script, List<String> options) implements Program {
        public PythonScript {
            options = List.copyOf(options);
        }
    }

    /** In the run directory {@code dir}: {@code worker-R.log}. */
    public static WorkerLaunch of(int rank, int workers, Program program, long delayMillis, double slowdown, Path dir) {
        return new WorkerLaunch(rank, workers, program, delayMillis, slowdown, true,
                dir.resolve("worker-" + rank + ".log"));
    }

    public boolean isPython() {
        return program instanceof PythonScript;
    }

    /**
     * The worker's options after the program: which servers ({@code --server A} or {@code --servers A,B}),
     * rank, world size, delay, slowdown.
     */
    private List<String> common(List<String> servers) {
        List<String> a = new ArrayList<>();
        if (servers.size() == 1) {
            a.addAll(List.of("--server", servers.get(0)));
        } else {
            a.addAll(List.of("--servers", String.join(",", servers)));
        }
        a.addAll(List.of("--rank", Integer.toString(rank), "--workers", Integer.toString(workers),
                "--delay-ms", Long.toString(delayMillis)));
        if (slowdown != 1) {
            a.addAll(List.of("--slowdown", String.format(Locale.ROOT, "%s", slowdown)));
        }
        if (awaitWorkers) {
            a.add("--await-workers");
        }
        return a;
    }

    /** The whole command line against the servers at {@code servers} (one, or every shard in order). */
    public List<String> command(List<String> servers) {
        if (program instanceof PythonScript p) {
            if (servers.size() != 1) {
                throw new IllegalArgumentException("Python workers talk to one server, not " + servers.size()
                        + " shards");
            }
            List<String> a = new ArrayList<>(List.of("--script", p.script().toString()));
            a.addAll(common(servers));
            a.addAll(p.options());
            return p.python().command("momentumps.worker", a);
        }
        JavaTask j = (JavaTask) program;
        List<String> a = new ArrayList<>(List.of("worker"));
        a.addAll(common(servers));
        a.addAll(j.taskOptions());
        a.addAll(j.wireOptions());
        return MpsProcesses.command(a);
    }

    /** @param env added to the process's environment (the bearer token as {@code MPS_TOKEN}) */
    public Process start(List<String> servers, java.util.Map<String, String> env) throws IOException {
        List<String> cmd = command(servers);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        if (program instanceof PythonScript p) {
            pb.environment().putAll(p.python().environment());
        }
        pb.environment().putAll(env);
        pb.environment().putAll(ParentWatch.forChild()); // a Java worker exits when this process dies (SIGKILL too)
        return pb.start();
    }
}
