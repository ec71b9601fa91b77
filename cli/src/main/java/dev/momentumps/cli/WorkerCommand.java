package dev.momentumps.cli;

import dev.momentumps.cli.options.TaskOptions;
import dev.momentumps.cli.run.Channels;
import dev.momentumps.worker.client.GrpcParameterClient;
import dev.momentumps.worker.loop.GradientSource;
import dev.momentumps.worker.loop.Straggler;
import dev.momentumps.worker.loop.TrainingLoop;
import dev.momentumps.worker.task.GradientTask;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.Tasks;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mps worker}: trains on one shard against a running server. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run one worker: pull weights, compute minibatch gradients on its shard, push them.")
final class WorkerCommand implements Callable<Integer> {

    @Mixin
    TaskOptions task = new TaskOptions();

    @Option(names = "--server", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7070",
            description = "The parameter server. Default: ${DEFAULT-VALUE}.")
    String server;

    @Option(names = "--rank", paramLabel = "R", defaultValue = "0",
            description = "This worker's rank in [0, --workers): which shard it trains on. Default: ${DEFAULT-VALUE}.")
    int rank;

    @Option(names = {"-w", "--workers"}, paramLabel = "W", defaultValue = "1",
            description = "Number of workers in the run (the world size). Default: ${DEFAULT-VALUE}.")
    int workers;

    @Option(names = "--deadline-ms", paramLabel = "MS", defaultValue = "120000",
            description = "Deadline of every call to the server. Default: ${DEFAULT-VALUE}.")
    long deadlineMillis;

    @Option(names = "--delay-ms", paramLabel = "MS", defaultValue = "0",
            description = "Sleep this long before each push (an injected straggler). Default: ${DEFAULT-VALUE}.")
    long delayMillis;

    @Option(names = "--slowdown", paramLabel = "K", defaultValue = "1",
            description = "A straggler: each step takes K times as long (sleeps (K-1) x (compute time + --delay-ms)). "
                    + "Default: ${DEFAULT-VALUE}.")
    double slowdown = 1;

    @Option(names = "--log-every", paramLabel = "N", defaultValue = "0",
            description = "Print a line every N steps; 0: about ten lines in all.")
    long logEvery;

    @Override
    public Integer call() throws Exception {
        if (workers < 1 || rank < 0 || rank >= workers) {
            throw new IllegalArgumentException("--rank must be in [0, --workers), got " + rank + " of " + workers);
        }
        if (deadlineMillis < 1) {
            throw new IllegalArgumentException("--deadline-ms must be >= 1, got " + deadlineMillis);
        }
        Task t = Tasks.build(task.spec());
        GradientTask source = t.worker(task.spec(), rank, workers);
        GradientSource computed = slowdown == 1 ? source : new Straggler(source, slowdown, delayMillis);
        long steps = task.stepsFor(source, workers);
        long every = logEvery > 0 ? logEvery : Math.max(1, steps / 10);
        String name = ManagementFactory.getRuntimeMXBean().getName();
        System.out.printf(Locale.ROOT, "worker %d/%d (%s) -> %s: %s, shard of %d rows, %d steps%n", rank, workers,
                name, server, t.description(), source.shard().rows(), steps);
        try (GrpcParameterClient client = new GrpcParameterClient(Channels.forAddress(server, "--server"), true,
                deadlineMillis)) {
            TrainingLoop.Result r = new TrainingLoop(client, computed, rank, name, steps, delayMillis, (step, loss, res) -> {
                if (step % every == 0 || step == steps) {
                    System.out.printf(Locale.ROOT, "worker %d step %d/%d loss %.6f version %d staleness %d%n", rank,
                            step, steps, loss, res.version(), res.staleness());
                }
            }).run();
            System.out.printf(Locale.ROOT, "worker %d done: %d steps, mean staleness %.3f, max %d%n", rank, r.steps(),
                    r.meanStaleness(), r.maxStaleness());
        }
        return 0;
    }
}
