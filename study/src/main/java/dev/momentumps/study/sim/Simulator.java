package dev.momentumps.study.sim;

import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.server.consistency.PushTicket;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.UpdateListener;
import dev.momentumps.wire.ConsistencyKind;
import dev.momentumps.wire.StalenessStats;
import dev.momentumps.worker.loop.GradientSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A cluster in virtual time: the real {@link ParameterServerCore} (with its consistency model, update rule
 * and compensation) and the real workers' {@link GradientSource}s, driven by a single-threaded
 * discrete-event loop. Nothing races, so the same sources, core settings and {@link SimulationConfig} give
 * the same trajectory bit for bit.
 *
 * <h2>Timed mode</h2>
 * Each worker repeats what {@link dev.momentumps.worker.loop.TrainingLoop} does: pull (when the consistency
 * model's {@code mayPull} allows; SSP may hold it back), compute a gradient on the pulled weights, push it,
 * wait for the push to complete (a synchronous round may hold it), pull again. A step takes
 * {@code down + slowdown(rank)·compute + up} virtual seconds, the three drawn from the config's
 * distributions with the worker's own random stream; the push reaches the server at the end of that time.
 * Events at the same instant are handled in the order they were scheduled (ties cannot reorder). A worker
 * that has made its steps deregisters, so synchronous rounds and SSP's bound stop waiting for it.
 *
 * <h2>Fixed-delay mode (τ = {@link SimulationConfig#fixedDelay} >= 0)</h2>
 * The gradient applied as update t+1 was computed on the weights of version max(0, t − τ): every gradient
 * has staleness exactly τ once t >= τ (the first τ are computed on the initial weights, staleness t).
 * Gradients are drawn round-robin over the workers (rank 0, 1, …, skipping ones that are done); the worker
 * pulls at version t − τ and pushes at version t. Needs the asynchronous mode.
 *
 * <h2>Use from code</h2>
 * <pre>{@code
 * ParameterServerCore core = new ParameterServerCore(rule, schedule, 0, new Asynchronous(), 1);
 * Simulator sim = new Simulator(core, sources, steps, SimulationConfig.defaults()
 *         .withComputeTime(new TimeDistribution.Exponential(1.0)).withStraggler(3, 4.0).withTrajectory(true));
 * sim.onVersion((version, weights, seconds) -> ...);   // optional: every version, weights live
 * SimulationResult r = sim.run();                      // r.trajectory(), r.staleness(), r.finalWeights()
 * }</pre>
 * The core must be fresh (no worker registered). The simulator registers the workers (ids = ranks),
 * lets each offer its initial weights (rank 0's win), and leaves the core open: its caller closes it.
 */
public final class Simulator {

    /** Hears of every version, including 0; {@code weights} is live and only valid during the call. */
    public interface VersionObserver {
        void onVersion(long version, float[] weights, double virtualSeconds);
    }

    private static final int PUSH = 0;

    private final ParameterServerCore core;
    private final List<? extends GradientSource> sources;
    private final long[] steps;
    private final SimulationConfig config;
    private final List<VersionObserver> observers = new ArrayList<>();
    private final List<UpdateListener> updateListeners = new ArrayList<>();

    // run state
    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private long eventSeq;
    private double now;
    private Worker[] workers;
    private float[] observed;
    private long lastObserved = -1;
    private final List<float[]> trajectory = new ArrayList<>();
    private double[] versionTimes = new double[64];
    private boolean ran;
    private boolean stopped;
    private String refusal;

    /**
     * @param steps steps.get(r): the pushes worker r makes
     */
    public Simulator(ParameterServerCore core, List<? extends GradientSource> sources, List<Long> steps,
                     SimulationConfig config) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("need at least one worker");
        }
        if (steps.size() != sources.size()) {
            throw new IllegalArgumentException(sources.size() + " workers but " + steps.size() + " step counts");
        }
        this.core = core;
        this.sources = List.copyOf(sources);
        this.steps = new long[steps.size()];
        for (int r = 0; r < this.steps.length; r++) {
            if (steps.get(r) < 0) {
                throw new IllegalArgumentException("worker " + r + " steps must be >= 0, got " + steps.get(r));
            }
            this.steps[r] = steps.get(r);
        }
        this.config = config;
        if (config.fixedDelay() >= 0) {
            if (core.consistency().kind() != ConsistencyKind.ASYNCHRONOUS) {
                throw new IllegalArgumentException("fixedDelay needs an asynchronous core (the delay is set by the "
                        + "simulator, not by a consistency model), not " + core.consistency().kind().cliName());
            }
            if (core.compensation() != StalenessCompensation.NONE && config.fixedDelay() >= sources.size()) {
                throw new IllegalArgumentException("fixedDelay " + config.fixedDelay() + " with a staleness "
                        + "compensation needs more than " + config.fixedDelay() + " workers"
                        + " (so that each worker has one gradient in flight and w_bak is its weights)");
            }
        }
        for (Integer rank : config.stragglers().keySet()) {
            if (rank >= sources.size()) {
                throw new IllegalArgumentException("stragglers: rank " + rank + ", but there are only " + sources.size()
                        + " workers (ranks 0.." + (sources.size() - 1) + ")");
            }
        }
    }

    /** Adds an observer of every version's weights. */
    public Simulator onVersion(VersionObserver observer) {
        observers.add(observer);
        return this;
    }

    /**
     * Adds a listener for every applied gradient, called with the virtual time in nanoseconds as
     * {@code nanos} (so {@link dev.momentumps.study.report.MetricsCsv} with start 0 writes virtual seconds).
     */
    public Simulator onApplied(UpdateListener listener) {
        updateListeners.add(listener);
        return this;
    }

    /**
     * Ends the run after the current step (an observer saw it diverge); the result holds the state reached.
     * Call from an observer or listener.
     */
    public void stop() {
        stopped = true;
    }

    /**
     * Why the server refused a push and the run ended there (a gradient with NaN or ±Inf under the default
     * non-finite policy: the model diverged); null when every push was taken.
     */
    public String refusal() {
        return refusal;
    }

    /** Pushes for worker {@code w}, or ends the run if the server refuses the gradient (NaN or ±Inf in it). */
    private PushTicket push(Worker w, long base, float[] gradient, double loss, int batch) {
        try {
            return core.push(w.id, base, w.pushed, gradient, loss, batch);
        } catch (dev.momentumps.wire.RequestException e) {
            refusal = e.getMessage();
            stopped = true;
            return null;
        }
    }

    /** Runs the simulation to the end (once), or until {@link #stop} or a refused push. */
    public SimulationResult run() {
        if (ran) {
            throw new IllegalStateException("a simulator runs once");
        }
        ran = true;
        core.addListener((version, workerId, staleness, loss, nanos) -> {
            long virtualNanos = Math.round(now * 1e9);
            for (UpdateListener l : updateListeners) {
                l.onApplied(version, workerId, staleness, loss, virtualNanos);
            }
        });
        int n = sources.get(0).layout().numElements();
        workers = new Worker[sources.size()];
        for (int r = 0; r < workers.length; r++) {
            int id = core.register(r, "sim-" + r);
            workers[r] = new Worker(r, id, n, new SplittableRandom(config.seed() * 1_000_003L + 31L * r + 7));
        }
        for (Worker w : workers) {
            sources.get(w.rank).initialWeights(w.weights);
            core.initialize(w.id, sources.get(w.rank).layout(), w.weights.clone());
        }
        observed = new float[n];
        observe();
        if (config.fixedDelay() >= 0) {
            runFixedDelay(config.fixedDelay());
        } else {
            runTimed();
        }
        List<StalenessStats> per = new ArrayList<>();
        for (Worker w : workers) {
            per.add(core.stalenessOf(w.id));
        }
        return new SimulationResult(core.weights(), now, core.status(), List.copyOf(per), List.copyOf(trajectory),
                Arrays.copyOf(versionTimes, (int) lastObserved + 1));
    }

    // ---- timed mode ----

    private void runTimed() {
        for (Worker w : workers) {
            w.waiting = true; // waiting to pull
        }
        advanceWaiting();
        while (!queue.isEmpty() && !stopped) {
            Event e = queue.poll();
            now = e.time;
            Worker w = workers[e.worker];
            w.pushed++;
            w.ticket = push(w, w.base, w.gradient.clone(), w.loss, w.batch);
            if (w.ticket == null) {
                break;
            }
            w.waiting = true;
            observe();
            advanceWaiting();
        }
        for (Worker w : workers) {
            if (!w.done && !stopped) {
                throw new IllegalStateException("simulation stalled at t=" + now + ": worker " + w.rank + " made "
                        + w.pushed + " of " + steps[w.rank] + " pushes and nothing is left to happen ("
                        + core.consistency() + ")");
            }
        }
    }

    /** Lets every waiting worker whose push completed (and that may pull) go on, until nothing changes. */
    private void advanceWaiting() {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Worker w : workers) {
                if (!w.waiting || w.done || (w.ticket != null && !w.ticket.isDone())) {
                    continue;
                }
                if (w.pushed >= steps[w.rank]) {
                    w.done = true;
                    w.waiting = false;
                    core.deregister(w.id);
                    observe();
                    changed = true;
                } else if (core.mayPull(w.id)) {
                    w.waiting = false;
                    w.ticket = null;
                    startStep(w);
                    changed = true;
                }
            }
        }
    }

    private void startStep(Worker w) {
        w.base = core.pull(w.id, w.weights);
        GradientSource source = sources.get(w.rank);
        w.loss = source.next(w.weights, w.gradient);
        w.batch = source.lastBatchSize();
        double down = config.networkDelay().sample(w.random);
        double compute = config.computeTime().sample(w.random) * config.slowdown(w.rank)
                * source.gradientsPerNext(); // H local steps take H compute times
        double up = config.networkDelay().sample(w.random);
        queue.add(new Event(now + down + compute + up, eventSeq++, w.rank, PUSH));
    }

    // ---- fixed-delay mode ----

    private void runFixedDelay(int tau) {
        List<Integer> order = new ArrayList<>();
        long[] left = steps.clone();
        boolean any = true;
        while (any) {
            any = false;
            for (int r = 0; r < left.length; r++) {
                if (left[r] > 0) {
                    order.add(r);
                    left[r]--;
                    any = true;
                }
            }
        }
        int total = order.size();
        ArrayList<InFlight> inFlight = new ArrayList<>();
        int computed = 0;
        for (int t = 0; t < total && !stopped; t++) {
            // at version t, compute every gradient due to be pushed at versions <= t + τ
            while (computed < total && computed <= t + tau) {
                Worker w = workers[order.get(computed)];
                long base = core.pull(w.id, w.weights);
                GradientSource source = sources.get(w.rank);
                double loss = source.next(w.weights, w.gradient);
                inFlight.add(new InFlight(w, base, w.gradient.clone(), loss, source.lastBatchSize()));
                computed++;
            }
            InFlight f = inFlight.remove(0);
            now = t + 1;
            f.worker.pushed++;
            PushTicket ticket = push(f.worker, f.base, f.gradient, f.loss, f.batch);
            if (ticket == null) {
                break;
            }
            if (!ticket.applied()) {
                throw new IllegalStateException("fixed-delay push " + (t + 1) + " was not applied");
            }
            observe();
        }
        for (Worker w : workers) {
            w.done = true;
            core.deregister(w.id);
        }
    }

    private record InFlight(Worker worker, long base, float[] gradient, double loss, int batch) {
    }

    // ---- shared ----

    private void observe() {
        long v = core.version();
        if (v == lastObserved) {
            return;
        }
        if (v != lastObserved + 1) {
            throw new IllegalStateException("version jumped from " + lastObserved + " to " + v);
        }
        lastObserved = v;
        if (v >= versionTimes.length) {
            versionTimes = Arrays.copyOf(versionTimes, versionTimes.length * 2);
        }
        versionTimes[(int) v] = now;
        if (observers.isEmpty() && !config.recordTrajectory()) {
            return;
        }
        core.pull(ParameterServerCore.OBSERVER, observed);
        if (config.recordTrajectory()) {
            trajectory.add(observed.clone());
        }
        for (VersionObserver o : observers) {
            o.onVersion(v, observed, now);
        }
    }

    private static final class Worker {
        final int rank;
        final int id;
        final float[] weights;
        final float[] gradient;
        final SplittableRandom random;
        long pushed;
        long base;
        double loss;
        int batch;
        PushTicket ticket;
        boolean waiting;
        boolean done;

        Worker(int rank, int id, int n, SplittableRandom random) {
            this.rank = rank;
            this.id = id;
            this.weights = new float[n];
            this.gradient = new float[n];
            this.random = random;
        }
    }

    private record Event(double time, long seq, int worker, int kind) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            int c = Double.compare(time, o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
