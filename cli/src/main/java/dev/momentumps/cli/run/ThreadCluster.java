package dev.momentumps.cli.run;

import dev.momentumps.server.checkpoint.CheckpointReport;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.inprocess.InProcessParameterClient;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.worker.client.ForwardingParameterClient;
import dev.momentumps.worker.client.RegistrationBarrier;
import dev.momentumps.worker.loop.GradientSource;
import dev.momentumps.worker.loop.TrainingLoop;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The server core and W worker threads in this JVM, with no transport in between. */
public final class ThreadCluster implements Cluster {
    private final ParameterServerCore core;
    private final List<Thread> threads = new ArrayList<>();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private Recovery recovery;
    private final dev.momentumps.study.report.InitialWeights initial = new dev.momentumps.study.report.InitialWeights(null);
    private java.util.function.Supplier<String> metrics;
    private volatile boolean stopped;

    /** How a worker's client is dressed (e.g. for sparse or compressed pushes). */
    public interface ClientWrapper {
        ParameterClient wrap(ParameterClient client, GradientSource source);
    }

    /** Starts one thread per source; worker R trains {@code steps.get(R)} steps. */
    public ThreadCluster(ParameterServerCore core, List<? extends GradientSource> sources, List<Long> steps,
                         long delayMillis, long waitMillis) {
        this(core, sources, steps, delayMillis, waitMillis, (c, s) -> c);
    }

    /** As above, each worker's in-process client passed through {@code wrapper}. */
    public ThreadCluster(ParameterServerCore core, List<? extends GradientSource> sources, List<Long> steps,
                         long delayMillis, long waitMillis, ClientWrapper wrapper) {
        this.core = core;
        core.addListener(initial); // before any worker can initialise the model
        for (int rank = 0; rank < sources.size(); rank++) {
            final int r = rank;
            // training starts once every worker thread has registered (as --await-workers does for processes)
            ParameterClient client = new Stoppable(new RegistrationBarrier(new InProcessParameterClient(core,
                    waitMillis), sources.size(), Math.max(waitMillis, 10_000)));
            TrainingLoop loop = new TrainingLoop(wrapper.wrap(client, sources.get(rank)), sources.get(rank), rank,
                    "thread-" + rank, steps.get(rank), delayMillis, null);
            Thread t = new Thread(() -> {
                try {
                    loop.run();
                } catch (Exception e) {
                    if (!stopped) {
                        failures.add("worker " + r + " failed: " + e);
                    }
                }
            }, "mps-worker-" + rank);
            t.setDaemon(true);
            threads.add(t);
        }
        for (Thread t : threads) {
            t.start();
        }
    }

    /** The in-process server's {@code /metrics} text, e.g. {@code ServerMetrics::scrape} over its core. */
    public ThreadCluster metrics(java.util.function.Supplier<String> scrape) {
        this.metrics = scrape;
        return this;
    }

    @Override
    public String metrics() {
        return metrics == null ? null : metrics.get();
    }

    @Override
    public float[] initialWeights() {
        return initial.weights();
    }

    /** The in-process server's checkpoints and leases: closed (a final checkpoint) by {@link #stopServer}. */
    public ThreadCluster recovery(Recovery r) {
        this.recovery = r;
        return this;
    }

    @Override
    public void stopServer() throws InterruptedException {
        if (recovery != null) {
            recovery.close();
        }
    }

    @Override
    public CheckpointReport checkpoints() {
        return recovery == null ? null : recovery.checkpoints();
    }

    @Override
    public String transport() {
        return "in-process, " + threads.size() + " worker threads";
    }

    @Override
    public ParameterClient monitor() {
        return new InProcessParameterClient(core, 1_000);
    }

    @Override
    public boolean workersDone() {
        for (Thread t : threads) {
            if (t.isAlive()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public List<String> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void stopWorkers() throws InterruptedException {
        stopped = true;
        for (Thread t : threads) {
            t.interrupt();
            t.join(5_000);
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Thread t : threads) {
            t.interrupt();
            t.join(5_000);
        }
        stopServer();
        core.close();
    }

    /** A worker's client that refuses every push once the workers are stopped: the training loop ends there. */
    private final class Stoppable extends ForwardingParameterClient {
        Stoppable(ParameterClient inner) {
            super(inner);
        }

        private void check() {
            if (stopped) {
                throw new IllegalStateException("the run was stopped");
            }
        }

        @Override
        public PushResult push(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                               float[] weightsOut) {
            check();
            return super.push(baseVersion, sequence, gradient, loss, batchSize, weightsOut);
        }

        @Override
        public PushResult pushSparse(long baseVersion, long sequence, int numElements, int[] rows, float[] values,
                                     int n, boolean half, double loss, int batchSize, float[] weightsOut) {
            check();
            return super.pushSparse(baseVersion, sequence, numElements, rows, values, n, half, loss, batchSize,
                    weightsOut);
        }

        @Override
        public PushResult pushHalf(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                                   float[] weightsOut) {
            check();
            return super.pushHalf(baseVersion, sequence, gradient, loss, batchSize, weightsOut);
        }
    }
}
