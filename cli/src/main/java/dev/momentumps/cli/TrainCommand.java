package dev.momentumps.cli;

import dev.momentumps.cli.dashboard.DashboardServer;
import dev.momentumps.cli.dashboard.LiveRun;
import dev.momentumps.cli.options.DashboardOptions;
import dev.momentumps.cli.options.ReportOptions;
import dev.momentumps.cli.options.ServerOptions;
import dev.momentumps.cli.options.SimulationOptions;
import dev.momentumps.cli.options.TaskOptions;
import dev.momentumps.cli.options.WireOptions;
import dev.momentumps.cli.options.WorkerMethodOptions;
import dev.momentumps.worker.client.WireStats;
import dev.momentumps.study.report.MetricsCsv;
import dev.momentumps.study.report.TrajectoryFile;
import dev.momentumps.worker.model.LinearRegression;
import dev.momentumps.worker.model.QuadraticModel;
import dev.momentumps.study.report.RunSummary;
import dev.momentumps.cli.run.Cluster;
import dev.momentumps.cli.run.Evaluator;
import dev.momentumps.cli.run.PythonWorkers;
import dev.momentumps.cli.run.ServerLaunch;
import dev.momentumps.cli.run.WorkerLaunch;
import dev.momentumps.cli.run.ProcessCluster;
import dev.momentumps.cli.run.ThreadCluster;
import dev.momentumps.cli.run.TrainRun;
import dev.momentumps.cli.run.SimulatedRun;
import dev.momentumps.study.sim.SimulationConfig;
import dev.momentumps.worker.loop.GradientSource;
import dev.momentumps.worker.loop.Straggler;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.worker.task.GradientTask;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.TaskSpec;
import dev.momentumps.worker.task.Tasks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mps train}: a whole run — a server, W workers, a progress bar, and a run directory of results. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train with a parameter server and W workers, then write summary.json, metrics.csv, "
                + "loss.png and staleness.png to the run directory.",
                "With no options: logistic regression on built-in synthetic data, one server process and 4 worker "
                        + "processes on loopback, asynchronous heavy-ball momentum."})
final class TrainCommand implements Callable<Integer> {

    @Option(names = {"-w", "--workers"}, paramLabel = "W", defaultValue = "4",
            description = "Number of workers. Default: ${DEFAULT-VALUE}.")
    int workers;

    @Option(names = "--in-process", description = "Run the server core and the workers as threads of this JVM "
            + "(no gRPC), instead of one server process and W worker processes.")
    boolean inProcess;

    @Option(names = "--standby", description = "Also run a hot standby server process: the server replicates "
            + "every update to it before acknowledging it, and when the server dies the workers fail over to the "
            + "standby with nothing acknowledged lost (docs/operations-reliability.md). One server; Java or Python "
            + "workers; not with --in-process, --shards or --simulate.")
    boolean standby;

    @Option(names = "--shards", paramLabel = "S", defaultValue = "1",
            description = "Server processes, each holding 1/S of the parameters (key ranges; see 'mps server "
                    + "--shards'). Not with --in-process. Default: ${DEFAULT-VALUE}.")
    int shards;

    @Option(names = "--delay-ms", paramLabel = "MS", defaultValue = "0",
            description = "Every worker sleeps this long before each push. Default: ${DEFAULT-VALUE}.")
    long delayMillis;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Run directory (created); default runs/train-<date>-<time>.")
    Path out;

    @Option(names = "--no-progress", description = "No progress bar (for logs).")
    boolean noProgress;

    @Option(names = "--worker-script", paramLabel = "FILE",
            description = "Python workers: FILE defines a PyTorch model, its loss and data (see "
                    + "docs/python-workers.md and python/examples/); the workers run "
                    + "'python3 -m momentumps.worker --script FILE'. --batch-size, --epochs, --updates, --seed, "
                    + "--transport and --compress apply to them; the script's defaults stand in for the first two.")
    Path workerScript;

    @Option(names = "--python-workers", paramLabel = "K", defaultValue = "-1",
            description = "With --worker-script: ranks 0..K-1 are Python workers and the rest Java workers of "
                    + "--model (the same layout); default: all.")
    int pythonWorkers;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Protect the run with this bearer token (the file's first line; without it the environment "
                    + "variable MPS_TOKEN): the server demands it, the workers send it (it reaches them in their "
                    + "environment, never on a command line), and the dashboard and /metrics refuse requests "
                    + "without it.")
    Path tokenFile;

    @Spec
    CommandSpec spec;

    @Mixin
    TaskOptions task = new TaskOptions();

    @Mixin
    ServerOptions server = new ServerOptions();

    @Mixin
    SimulationOptions simulation = new SimulationOptions();

    @Mixin
    WorkerMethodOptions methods = new WorkerMethodOptions();

    @Mixin
    WireOptions wire = new WireOptions();

    @Mixin
    ReportOptions report = new ReportOptions();

    @Mixin
    DashboardOptions dashboard = new DashboardOptions("0");

    /** mps train measures the gap by default while the workers' weight copies fit this (512 MiB). */
    static final long GAP_METER_BYTES = 512L << 20;

    @Override
    public Integer call() throws Exception {
        if (workers < 1) {
            throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
        }
        if (delayMillis < 0) {
            throw new IllegalArgumentException("--delay-ms must be >= 0, got " + delayMillis);
        }
        if (shards < 1 || (shards > 1 && inProcess)) {
            throw new IllegalArgumentException("--shards must be >= 1 and needs server processes (not --in-process), got "
                    + shards);
        }
        if (standby && (inProcess || shards > 1 || simulation.simulate)) {
            throw new IllegalArgumentException("--standby needs one server process and worker processes (not "
                    + "--in-process, --shards or --simulate)");
        }
        if (shards > 1 && server.optimizer.config().clipNorm() > 0) {
            throw new IllegalArgumentException("--clip-norm clips by the global norm, which no shard sees; "
                    + "run 'mps server --shards ... --clip-per-shard' by hand to clip each shard's part instead");
        }
        wire.sparseMode(); // checks --sparse and --compress before anything starts
        wire.compression();
        wire.transport();
        TaskSpec spec = task.spec();
        SimulationConfig simConfig = simulation.config(workers, spec.seed()); // checks the simulation flags
        Map<Integer, Double> stragglers = simulation.stragglerMap(workers);
        if (server.optimizer.rule.trim().equalsIgnoreCase("dana") && server.optimizer.danaWorkers == null) {
            server.optimizer.danaWorkers = workers; // DANA keeps a momentum per worker
        }
        methods.matchServer(server.optimizer.rule, server.optimizer.config().resolved().lr());
        server.createCore().close(); // checks every server option here, with the flag's name, before any process starts
        Task t = Tasks.build(spec);
        if (server.gapMeter == null) { // a weight copy per worker: on while those stay small, and with one shard
            server.gapMeter = shards == 1
                    && (long) t.model().layout().numElements() * workers * Float.BYTES <= GAP_METER_BYTES;
        }
        ScriptPlan python = workerScript == null ? null : scriptPlan(t);
        List<GradientSource> sources = new ArrayList<>();
        List<Long> steps = new ArrayList<>();
        long total = 0;
        for (int rank = 0; rank < workers; rank++) {
            GradientTask g = t.worker(spec, rank, workers);
            sources.add(methods.wrap(g));
            steps.add(python != null && rank < python.workers() ? python.description().steps().get(rank)
                    : task.updates > 0 ? task.stepsFor(g, workers) : methods.pushes(task.stepsFor(g, workers)));
            total += steps.get(rank);
        }
        int batchSize = python != null ? python.description().batchSize() : spec.batchSize();
        String description = python != null ? python.evaluatorDescription() : t.description();
        // a synchronous round (sync, backup) is one update for W pushes
        var kind = server.consistency.kind();
        long expectedUpdates = kind == dev.momentumps.wire.ConsistencyKind.SYNCHRONOUS
                || kind == dev.momentumps.wire.ConsistencyKind.BACKUP_WORKERS ? total / workers : total;
        long evalEvery = report.evalEvery(expectedUpdates);
        Path dir = out != null ? out : Path.of("runs", "train-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(dir);
        if (server.recovery.checkpointDirectory() == null) {
            server.recovery.checkpointDir = dir.resolve("checkpoints");
        }
        System.out.printf("%s%n%d workers, %d pushes in all, %s, mode %s%n", description, workers, total,
                server.optimizer.rule(), server.consistency.kind().cliName());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("args", String.join(" ", argsOf()));
        config.put("seed", spec.seed());
        config.put("batch_size", batchSize);
        if (python != null) {
            config.put("worker_script", workerScript.toString());
            config.put("python_workers", python.workers());
        }
        config.put("steps_per_worker", steps);
        config.put("compensation", server.consistency.compensation().toString());
        config.put("gap_meter", server.gapMeter);
        if (methods.active()) {
            config.put("worker_method", sources.get(0).toString());
        }
        config.put("sparse", wire.sparseMode().name().toLowerCase(java.util.Locale.ROOT));
        config.put("compress", wire.compression().toString());
        LiveRun live = new LiveRun();
        String token = dev.momentumps.server.grpc.Tokens.load(tokenFile, System.getenv());
        // /metrics is the run's server's, once it is up: scraped from its process, or read from the in-process core
        java.util.concurrent.atomic.AtomicReference<Cluster> running = new java.util.concurrent.atomic.AtomicReference<>();
        DashboardServer page = dashboard.start(token, live::json, () -> {
            Cluster c = running.get();
            return c == null ? null : c.metrics();
        }, System.out);
        try {
            return train(t, spec, simConfig, stragglers, sources, steps, total, evalEvery, dir, config, live, python,
                    batchSize, token, running);
        } finally {
            if (page != null) {
                page.close();
            }
        }
    }

    private int train(Task t, TaskSpec spec, SimulationConfig simConfig, Map<Integer, Double> stragglers,
                      List<GradientSource> sources, List<Long> steps, long total, long evalEvery, Path dir,
                      Map<String, Object> config, LiveRun live, ScriptPlan python, int batchSize, String token,
                      java.util.concurrent.atomic.AtomicReference<Cluster> running) throws Exception {
        if (simulation.simulate) {
            config.put("simulation", SimulatedRun.describe(simConfig));
            RunSummary summary;
            try (ParameterServerCore core = server.createCore()) {
                summary = SimulatedRun.run(t, core, sources, steps, simConfig, dir,
                        new TrainRun(t, dir, total, spec.batchSize(), config)
                                .evaluation(evalEvery, report.stopOnDivergence).live(live));
            }
            TrainRun.print(summary, dir, System.out);
            return 0;
        }
        if (!stragglers.isEmpty()) {
            config.put("stragglers", stragglers.toString());
        }

        long start = System.nanoTime();
        Path updates = dir.resolve("updates.csv");
        WireStats wireStats = new WireStats();
        MetricsCsv localCsv = null;
        Cluster cluster;
        Evaluator evaluator = null;
        AutoCloseable recovery = null;
        TrajectoryFile.Recorder trajectory = null;
        if (inProcess) {
            ParameterServerCore core = server.createCore();
            localCsv = new MetricsCsv(updates, start)
                    .measuring(dev.momentumps.server.compensation.GapMeter.in(core.compensation()));
            core.addListener(localCsv);
            if (recordTrajectory(t)) {
                trajectory = new TrajectoryFile.Recorder(TrainRun.trajectoryFile(dir), core);
                core.addListener(trajectory);
            }
            dev.momentumps.cli.run.Recovery r = dev.momentumps.cli.run.Recovery.start(core, server.recovery, System.err);
            recovery = r;
            List<GradientSource> slowed = new ArrayList<>(sources);
            stragglers.forEach((rank, k) -> slowed.set(rank, new Straggler(sources.get(rank), k, delayMillis)));
            dev.momentumps.cli.dashboard.ServerMetrics metrics = new dev.momentumps.cli.dashboard.ServerMetrics(core,
                    r::checkpointer);
            cluster = new ThreadCluster(core, slowed, steps, delayMillis, server.waitMillis,
                    (client, source) -> wire.wrap(client, source, wireStats)).recovery(r).metrics(metrics::scrape);
        } else {
            // the Python evaluator starts first: it loads torch and its data while the server and workers start
            evaluator = python != null ? python.evaluator() : Evaluator.of(t);
            try {
                cluster = new ProcessCluster(dir, serverLaunch(t, dir), shards, workerLaunches(python, stragglers, dir),
                        t.model().layout(), token, standby);
            } catch (Exception e) {
                evaluator.close();
                throw e;
            }
        }
        running.set(cluster);
        RunSummary summary;
        // Ctrl-C / SIGTERM: stop the workers, then the server (which writes a final checkpoint)
        AutoCloseable finalRecovery = recovery;
        Thread hook = new Thread(() -> {
            try {
                cluster.close();
                if (finalRecovery != null) {
                    finalRecovery.close();
                }
            } catch (Exception e) {
                System.err.println("mps train: error while stopping: " + e);
            }
        }, "mps-train-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        MetricsCsv csv = localCsv;
        TrajectoryFile.Recorder recorder = trajectory;
        AutoCloseable localOutputs = csv == null ? null : () -> {
            csv.close();
            if (recorder != null) {
                recorder.close();
            }
        };
        try (Cluster c = cluster; Evaluator e = evaluator != null ? evaluator : Evaluator.of(t)) {
            summary = new TrainRun(python != null && python.workers() == workers ? null : t, e, dir, total,
                    batchSize, config).evaluation(evalEvery, report.stopOnDivergence).live(live)
                    .follow(c, updates, localOutputs, start, System.out, !noProgress);
        } finally {
            if (recovery != null) {
                recovery.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running
            }
        }
        TrainRun.print(summary, dir, System.out);
        if (inProcess) {
            System.out.println("gradients sent (--sparse " + wire.sparse + ", --compress " + wire.compress + "): "
                    + wireStats);
        }
        // a write that failed, not a server that died before its first checkpoint (a run on a hot standby)
        if (summary.checkpoint() != null && summary.checkpoint().written() == 0 && summary.checkpoint().failures() > 0) {
            System.out.println("ERROR: no checkpoint could be written to " + server.recovery.checkpointDirectory() + ": "
                    + summary.checkpoint().lastError());
            return 1;
        }
        boolean stoppedEarly = summary.diverged() && report.stopOnDivergence;
        return !stoppedEarly && (summary.perWorker().size() < workers || !cluster.failures().isEmpty()) ? 1 : 0;
    }

    /** The server process: its options, the run's checkpoint directory, and the trajectory when it is fitted. */
    private ServerLaunch serverLaunch(Task t, Path dir) {
        List<String> options = new ArrayList<>(server.optionArgs());
        return ServerLaunch.of(options, server.recovery.checkpointDir, server.recovery.resume,
                recordTrajectory(t) ? TrainRun.trajectoryFile(dir) : null, dir);
    }

    /**
     * One worker process per rank: Python for the first K ranks with --worker-script, Java for the others. Every
     * worker starts training once all W have registered: otherwise a synchronous run's first rounds are taken
     * by whichever workers are up already (501-503 updates instead of 500 seen).
     */
    private List<WorkerLaunch> workerLaunches(ScriptPlan python, Map<Integer, Double> stragglers, Path dir) {
        List<WorkerLaunch> launches = new ArrayList<>();
        for (int rank = 0; rank < workers; rank++) {
            WorkerLaunch.Program program = python != null && rank < python.workers() ? python.program()
                    : new WorkerLaunch.JavaTask(javaTaskArgs(), wire.toArgs());
            launches.add(WorkerLaunch.of(rank, workers, program, delayMillis, stragglers.getOrDefault(rank, 1.0), dir));
        }
        return launches;
    }

    private List<String> javaTaskArgs() {
        List<String> a = new ArrayList<>(task.toArgs());
        a.addAll(methods.toArgs());
        return a;
    }

    /**
     * What the Python workers of --worker-script run: the script, as its --describe tells (layout, steps per
     * rank), checked against the run before anything starts.
     */
    private record ScriptPlan(PythonWorkers python, Path script, List<String> options, int workers,
                              PythonWorkers.Description description) {
        WorkerLaunch.Program program() {
            return new WorkerLaunch.PythonScript(python, script, options);
        }

        String evaluatorDescription() {
            return "PyTorch " + script.getFileName() + " (" + description.layout().numElements() + " parameters)";
        }

        Evaluator evaluator() throws java.io.IOException {
            return python.evaluator(script, evaluatorDescription(), options.subList(0, 2)); // --seed S
        }
    }

    private ScriptPlan scriptPlan(Task t) throws Exception {
        int k = pythonWorkers < 0 ? workers : pythonWorkers;
        if (k < 1 || k > workers) {
            throw new IllegalArgumentException("--python-workers must be in [1, --workers], got " + pythonWorkers);
        }
        if (inProcess || shards > 1 || simulation.simulate) {
            throw new IllegalArgumentException("--worker-script runs Python worker processes against one server: "
                    + "not with --in-process, --shards or --simulate");
        }
        if (!wire.sparse.equals("auto") && !wire.sparse.equals("off")) {
            throw new IllegalArgumentException("--sparse " + wire.sparse + ": Python workers push dense gradients");
        }
        if (!wire.compress.equals("none") && !wire.compress.equals("fp16")) {
            throw new IllegalArgumentException("--compress " + wire.compress + ": Python workers compress with "
                    + "none or fp16");
        }
        if (!Files.isRegularFile(workerScript)) {
            throw new IllegalArgumentException("--worker-script " + workerScript + ": no such file");
        }
        List<String> options = new ArrayList<>(List.of("--seed", Long.toString(task.seed)));
        picocli.CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        if (parsed.hasMatchedOption("--batch-size")) {
            options.addAll(List.of("--batch-size", Integer.toString(task.batchSize)));
        }
        if (parsed.hasMatchedOption("--epochs")) {
            options.addAll(List.of("--epochs", Integer.toString(task.epochs)));
        }
        if (task.updates > 0) {
            options.addAll(List.of("--steps", Long.toString((task.updates + workers - 1) / workers)));
        }
        options.addAll(List.of("--transport", wire.transport, "--compress", wire.compress));
        options.addAll(methods.toArgs()); // --local-steps, --elastic, --dana-slim: the same method in Python
        PythonWorkers python = PythonWorkers.find();
        PythonWorkers.Description d = python.describe(workerScript, workers, options);
        if (!d.evaluates()) {
            throw new IllegalArgumentException("--worker-script " + workerScript + ": defines no evaluate(model), "
                    + "which mps train needs for its reports (training loss, test accuracy)");
        }
        if (k < workers && !d.layout().equals(t.model().layout())) {
            throw new IllegalArgumentException("--worker-script " + workerScript + " trains " + d.layout()
                    + " but the Java workers' --model " + task.model + " is " + t.model().layout()
                    + ": a mixed run needs one layout");
        }
        return new ScriptPlan(python, workerScript.toAbsolutePath(), options, k, d);
    }

    /** The implicit-momentum fit needs every version's weights: small quadratic/linear models, one server. */
    private boolean recordTrajectory(Task t) {
        return shards == 1 && t.model().layout().numElements() <= TrajectoryFile.MAX_ELEMENTS
                && (t.model() instanceof QuadraticModel || t.model() instanceof LinearRegression);
    }

    private List<String> argsOf() {
        List<String> a = new ArrayList<>(List.of("train", "--workers", Integer.toString(workers)));
        if (shards > 1) {
            a.addAll(List.of("--shards", Integer.toString(shards)));
        }
        a.addAll(javaTaskArgs());
        a.addAll(wire.toArgs());
        a.addAll(server.toArgs());
        if (simulation.simulate) {
            a.add("--simulate");
        }
        return a;
    }
}
