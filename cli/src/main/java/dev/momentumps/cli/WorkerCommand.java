package dev.momentumps.cli;

import dev.momentumps.cli.options.ClientSecurityOptions;
import dev.momentumps.cli.options.TaskOptions;
import dev.momentumps.cli.run.Channels;
import dev.momentumps.worker.client.GrpcParameterClient;
import dev.momentumps.worker.client.ReconnectingParameterClient;
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

    @Mixin
    ClientSecurityOptions security = new ClientSecurityOptions();

    @Option(names = "--reconnect-ms", paramLabel = "MS", defaultValue = "120000",
            description = "When the server is lost, keep trying to reconnect (exponential backoff with jitter, "
                    + "at most 5 s apart) for this long before giving up. Default: ${DEFAULT-VALUE}.")
    long reconnectMillis;

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

    @Option(names = "--log-every", paramLabel = "N", defaultValue = "0",
            description = "Print a line every N steps; 0: about ten lines in all.")
    long logEvery;

    @Override
    public Integer call() throws Exception {
        if (workers < 1 || rank < 0 || rank >= workers) {
            throw new IllegalArgumentException("--rank must be in [0, --workers), got " + rank + " of " + workers);
        }
        if (reconnectMillis < 0) {
            throw new IllegalArgumentException("--reconnect-ms must be >= 0, got " + reconnectMillis);
        }
        if (deadlineMillis < 1) {
            throw new IllegalArgumentException("--deadline-ms must be >= 1, got " + deadlineMillis);
        }
        String token = security.token();
        Task t = Tasks.build(task.spec());
        GradientTask source = t.worker(task.spec(), rank, workers);
        long steps = task.stepsFor(source, workers);
        long every = logEvery > 0 ? logEvery : Math.max(1, steps / 10);
        String name = ManagementFactory.getRuntimeMXBean().getName();
        System.out.printf(Locale.ROOT, "worker %d/%d (%s) -> %s: %s, shard of %d rows, %d steps%n", rank, workers,
                name, server, t.description(), source.shard().rows(), steps);
        GrpcParameterClient grpc = new GrpcParameterClient(Channels.forAddress(server, "--server", security.tls(),
                token), true, deadlineMillis);
        try (ReconnectingParameterClient client = new ReconnectingParameterClient(grpc, 100, 5_000, reconnectMillis,
                System.nanoTime() ^ rank, msg -> System.out.println("worker " + rank + ": " + msg),
                grpc::resetConnectBackoff)) {
            TrainingLoop.Result r = new TrainingLoop(client, source, rank, name, steps, delayMillis, (step, loss, res) -> {
                if (step % every == 0 || step == steps) {
                    System.out.printf(Locale.ROOT, "worker %d step %d/%d loss %.6f version %d staleness %d%n", rank,
                            step, steps, loss, res.version(), res.staleness());
                }
            }).run();
            System.out.printf(Locale.ROOT, "worker %d done: %d steps, mean staleness %.3f, max %d%n", rank, r.steps(),
                    r.meanStaleness(), r.maxStaleness());
            if (client.reconnects() > 0) {
                System.out.printf(Locale.ROOT, "worker %d reconnected %d times, dropped %d pushes, saw %d updates "
                        + "lost to server restarts%n", rank, client.reconnects(), client.pushesDropped(),
                        client.updatesLost());
            }
        }
        return 0;
    }
}
