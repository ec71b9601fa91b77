package dev.momentumps.cli;

import dev.momentumps.cli.options.ClientSecurityOptions;
import dev.momentumps.cli.options.TaskOptions;
import dev.momentumps.cli.options.WireOptions;
import dev.momentumps.cli.options.WorkerMethodOptions;
import dev.momentumps.cli.run.Channels;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.ShardPlan;
import dev.momentumps.worker.client.FailoverParameterClient;
import dev.momentumps.worker.client.GrpcParameterClient;
import dev.momentumps.worker.client.ReconnectingParameterClient;
import dev.momentumps.worker.client.RegistrationBarrier;
import dev.momentumps.worker.client.ShardedParameterClient;
import dev.momentumps.worker.client.WireStats;
import dev.momentumps.worker.loop.GradientSource;
import dev.momentumps.worker.loop.Straggler;
import dev.momentumps.worker.loop.TrainingLoop;
import dev.momentumps.worker.task.GradientTask;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.Tasks;
import io.grpc.ManagedChannel;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
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
    WorkerMethodOptions methods = new WorkerMethodOptions();

    @Mixin
    WireOptions wire = new WireOptions();

    @Mixin
    ClientSecurityOptions security = new ClientSecurityOptions();

    @Option(names = "--reconnect-ms", paramLabel = "MS", defaultValue = "120000",
            description = "When the server is lost, keep trying to reconnect (exponential backoff with jitter, "
                    + "at most 5 s apart) for this long before giving up. Default: ${DEFAULT-VALUE}.")
    long reconnectMillis;

    @Option(names = "--server", paramLabel = "HOST:PORT", defaultValue = "${env:MPS_SERVER:-127.0.0.1:7070}",
            description = "The parameter server (unsharded). Env MPS_SERVER. Default: 127.0.0.1:7070.")
    String server;

    @Option(names = "--failover", paramLabel = "HOST:PORT", defaultValue = "${env:MPS_FAILOVER:-}",
            description = "The hot standby of --server (mps server --as-standby): when --server dies this worker "
                    + "moves there, registers again under its rank and sends the call that failed again (a push "
                    + "the standby already has counts as done), so no acknowledged update is lost. Env "
                    + "MPS_FAILOVER. Default: none.")
    String failover;

    @Option(names = "--servers", paramLabel = "HOST:PORT", split = ",", defaultValue = "${env:MPS_SERVERS:-}",
            description = "Every server shard's address, in shard order (the servers' --shards list); replaces "
                    + "--server. Env MPS_SERVERS.")
    List<String> servers = new ArrayList<>();

    @Option(names = "--rank", paramLabel = "R", defaultValue = "${env:MPS_RANK:-0}",
            description = "This worker's rank in [0, --workers): which part of the data it trains on. Env MPS_RANK. Default: 0.")
    int rank;

    @Option(names = {"-w", "--workers"}, paramLabel = "W", defaultValue = "${env:MPS_WORKERS:-1}",
            description = "Number of workers in the run (the world size). Env MPS_WORKERS. Default: 1.")
    int workers;

    @Option(names = "--deadline-ms", paramLabel = "MS", defaultValue = "120000",
            description = "Deadline of every call to the server. Default: ${DEFAULT-VALUE}.")
    long deadlineMillis;

    @Option(names = "--await-workers", defaultValue = "${env:MPS_AWAIT_WORKERS:-false}",
            description = "Start training only once all --workers have registered with the server(s), so that "
                    + "synchronous runs are reproducible whatever order the workers start in. Env MPS_AWAIT_WORKERS.")
    boolean awaitWorkers;

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
        if (reconnectMillis < 0) {
            throw new IllegalArgumentException("--reconnect-ms must be >= 0, got " + reconnectMillis);
        }
        if (deadlineMillis < 1) {
            throw new IllegalArgumentException("--deadline-ms must be >= 1, got " + deadlineMillis);
        }
        WireStats wireStats = new WireStats();
        wire.sparseMode(); // checks --sparse and --compress before connecting
        wire.compression();
        wire.checkTls(security.tls().enabled() ? "--tls-ca" : null);
        wire.transport();
        String token = security.token();
        Task t = Tasks.build(task.spec());
        GradientTask source = t.worker(task.spec(), rank, workers);
        methods.check();
        GradientSource method = methods.wrap(source);
        GradientSource computed = slowdown == 1 ? method : new Straggler(method, slowdown, delayMillis);
        long steps = task.updates > 0 ? task.stepsFor(source, workers) : methods.pushes(task.stepsFor(source, workers));
        long every = logEvery > 0 ? logEvery : Math.max(1, steps / 10);
        String name = ManagementFactory.getRuntimeMXBean().getName();
        List<String> shardAddresses = new ArrayList<>();
        for (String s : servers) {
            if (!s.isBlank()) {
                shardAddresses.add(s.trim());
            }
        }
        System.out.printf(Locale.ROOT, "worker %d/%d (%s) -> %s: %s, shard of %d rows, %d steps%s%n", rank,
                workers, name, shardAddresses.isEmpty() ? server : String.join(",", shardAddresses), t.description(),
                source.shard().rows(), steps, methods.active() ? ", " + method : "");
        ReconnectingParameterClient reconnecting = connect(shardAddresses, source, token);
        // SIGTERM / Ctrl-C mid-run: leave the cluster so synchronous rounds need not wait out the lease
        Thread leave = new Thread(() -> {
            System.out.println("worker " + rank + ": stopping: leaving the cluster");
            reconnecting.deregister();
        }, "mps-worker-leave");
        Runtime.getRuntime().addShutdownHook(leave);
        try (ParameterClient client = wire.wrap(awaitWorkers
                ? new RegistrationBarrier(reconnecting, workers, deadlineMillis) : reconnecting, computed, wireStats)) {
            TrainingLoop.Result r = new TrainingLoop(client, computed, rank, name, steps, delayMillis, (step, loss, res) -> {
                if (step % every == 0 || step == steps) {
                    System.out.printf(Locale.ROOT, "worker %d step %d/%d loss %.6f version %d staleness %d%n", rank,
                            step, steps, loss, res.version(), res.staleness());
                }
            }).run();
            System.out.printf(Locale.ROOT, "worker %d done: %d steps, mean staleness %.3f, max %d%n", rank, r.steps(),
                    r.meanStaleness(), r.maxStaleness());
            System.out.printf(Locale.ROOT, "worker %d gradients sent (--sparse %s, --compress %s): %s%n", rank,
                    wire.sparse, wire.compress, wireStats);
            if (reconnecting.reconnects() > 0) {
                System.out.printf(Locale.ROOT, "worker %d reconnected %d times, dropped %d pushes, saw %d updates "
                        + "lost to server restarts%n", rank, reconnecting.reconnects(), reconnecting.pushesDropped(),
                        reconnecting.updatesLost());
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(leave);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running
            }
        }
        return 0;
    }

    /**
     * One server, or every shard through a {@link ShardedParameterClient}, saying which part goes where;
     * either way behind a {@link ReconnectingParameterClient} that waits out a server restart.
     */
    private ReconnectingParameterClient connect(List<String> shardAddresses, GradientTask source, String token) {
        List<ManagedChannel> channels = new ArrayList<>();
        for (String a : shardAddresses.isEmpty() ? List.of(server) : shardAddresses) {
            channels.add(Channels.forAddress(a, shardAddresses.isEmpty() ? "--server" : "--servers", security.tls(),
                    token));
        }
        if (failover != null && !failover.isBlank()) {
            if (!shardAddresses.isEmpty()) {
                throw new IllegalArgumentException("--failover works with --server, not with --servers");
            }
            ManagedChannel standby = Channels.forAddress(failover.trim(), "--failover", security.tls(), token);
            channels.add(standby);
            FailoverParameterClient pair = new FailoverParameterClient(List.of(
                    new GrpcParameterClient(channels.get(0), true, deadlineMillis, wire.transport()),
                    new GrpcParameterClient(standby, true, deadlineMillis, wire.transport())),
                    List.of(server, failover.trim()), Math.max(reconnectMillis, 1), System.nanoTime() ^ rank,
                    msg -> System.out.println("worker " + rank + ": " + msg));
            return new ReconnectingParameterClient(pair, 100, 5_000, reconnectMillis, System.nanoTime() ^ rank,
                    msg -> System.out.println("worker " + rank + ": " + msg),
                    () -> channels.forEach(ManagedChannel::resetConnectBackoff));
        }
        return new ReconnectingParameterClient(direct(shardAddresses, channels, source), 100, 5_000, reconnectMillis,
                System.nanoTime() ^ rank, msg -> System.out.println("worker " + rank + ": " + msg),
                () -> channels.forEach(ManagedChannel::resetConnectBackoff));
    }

    private ParameterClient direct(List<String> shardAddresses, List<ManagedChannel> channels, GradientTask source) {
        if (shardAddresses.isEmpty()) {
            return new GrpcParameterClient(channels.get(0), true, deadlineMillis, wire.transport());
        }
        ShardedParameterClient c = new ShardedParameterClient(channels, source.layout(),
                ShardPlan.DEFAULT_SPLIT_THRESHOLD, deadlineMillis);
        for (int k = 0; k < shardAddresses.size(); k++) {
            System.out.printf(Locale.ROOT, "worker %d: shard %d at %s holds elements [%d, %d) %s%n", rank, k,
                    shardAddresses.get(k), c.plan().begin(k), c.plan().end(k), c.plan().shardLayout(k));
        }
        return c;
    }
}
