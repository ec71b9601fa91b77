package dev.momentumps.server.core;

import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.server.consistency.Clocks;
import dev.momentumps.server.consistency.ConsistencyKind;
import dev.momentumps.server.consistency.ConsistencyModel;
import dev.momentumps.server.consistency.PushTicket;
import dev.momentumps.server.consistency.Submission;
import dev.momentumps.server.consistency.UpdateSink;
import dev.momentumps.server.optim.LearningRateSchedule;
import dev.momentumps.server.optim.UpdateRule;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The parameter server, transport-free: workers register, one of them initialises the model, then they
 * pull weights and push gradients. The consistency model decides when a gradient is applied; the store
 * applies it with the update rule; staleness is counted per worker.
 *
 * <p>Every request is checked completely before anything changes, so a refused request (a
 * {@link RequestException} naming the field) leaves the state exactly as it was. All state sits behind
 * this object's monitor; waiting (for a synchronous round, for SSP's bound) happens outside it.
 *
 * <p>The gRPC service, the in-process client and the simulator all drive this same class.
 */
public final class ParameterServerCore implements AutoCloseable {
    private static final int RECENT_LOSSES = 64;

    /** The worker id a monitor pulls with: it reads weights without being a worker that rounds wait on. */
    public static final int OBSERVER = -1;

    private final UpdateRule rule;
    private final LearningRateSchedule schedule;
    private final float clipNorm;
    private final ConsistencyModel consistency;
    private final RangeExecutor executor;
    private final List<UpdateListener> listeners = new CopyOnWriteArrayList<>();
    private final List<WorkerRecord> workers = new ArrayList<>();
    private final StalenessStats staleness = new StalenessStats();
    private final double[] recentLosses = new double[RECENT_LOSSES];
    private final Sink sink = new Sink();
    private ParameterStore store;
    private StalenessCompensation compensation = StalenessCompensation.NONE;
    private long gradientsApplied;
    private long gradientsDropped;
    private long lossesSeen;

    /**
     * @param rule        the update rule (its state is allocated when the model is initialised)
     * @param schedule    the learning rate at each step
     * @param clipNorm    clip each applied gradient to this global L2 norm; 0 disables
     * @param consistency when gradients are applied
     * @param applyThreads threads that apply an update to a big vector
     */
    public ParameterServerCore(UpdateRule rule, LearningRateSchedule schedule, float clipNorm,
                               ConsistencyModel consistency, int applyThreads) {
        if (!(clipNorm >= 0)) {
            throw new IllegalArgumentException("clip norm must be >= 0, got " + clipNorm);
        }
        this.rule = rule;
        this.schedule = schedule;
        this.clipNorm = clipNorm;
        this.consistency = consistency;
        this.executor = new RangeExecutor(applyThreads);
    }

    public void addListener(UpdateListener listener) {
        listeners.add(listener);
    }

    /** Sets the staleness compensation (default none); it sees every later pull, push and update. */
    public synchronized void setCompensation(StalenessCompensation compensation) {
        this.compensation = compensation == null ? StalenessCompensation.NONE : compensation;
    }

    public synchronized StalenessCompensation compensation() {
        return compensation;
    }

    public ConsistencyModel consistency() {
        return consistency;
    }

    public UpdateRule rule() {
        return rule;
    }

    /** Registers a worker and returns its id (ids count from 0 in registration order). */
    public synchronized int register(int rank, String name) {
        if (rank < 0) {
            throw RequestException.invalid("rank must be >= 0, got " + rank);
        }
        WorkerRecord w = new WorkerRecord(workers.size(), rank, name == null ? "" : name, System.nanoTime());
        workers.add(w);
        consistency.onWorkerJoined(w.id);
        notifyAll();
        return w.id;
    }

    /** Marks a worker gone: synchronous rounds stop waiting for it. Unknown ids are refused. */
    public synchronized void deregister(int workerId) {
        WorkerRecord w = worker(workerId);
        if (w.alive) {
            w.alive = false;
            consistency.onWorkerGone(workerId, sink);
            notifyAll();
        }
    }

    public synchronized boolean isInitialized() {
        return store != null;
    }

    /** The layout, or null before initialisation. */
    public synchronized TensorLayout layout() {
        return store == null ? null : store.layout();
    }

    public synchronized long version() {
        return store == null ? 0 : store.version();
    }

    /**
     * Sets the layout and initial weights. The first call wins and returns true; a later call with the
     * same layout returns false and changes nothing; a different layout is FAILED_PRECONDITION.
     */
    public synchronized boolean initialize(int workerId, TensorLayout layout, float[] weights) {
        worker(workerId);
        if (store != null) {
            if (!store.layout().equals(layout)) {
                throw new RequestException(RequestException.Reason.FAILED_PRECONDITION,
                        "layout: the model is already initialised as " + store.layout() + ", not " + layout);
            }
            return false;
        }
        requireFinite(weights, "weights");
        store = new ParameterStore(layout, weights, rule, schedule, clipNorm, executor);
        notifyAll();
        return true;
    }

    /** Waits until some worker has initialised the model. @return whether it is initialised */
    public synchronized boolean awaitInitialized(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (store == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Copies the current weights into {@code out} and returns their version; {@link #OBSERVER} may pull. */
    public synchronized long pull(int workerId, float[] out) {
        WorkerRecord w = workerId == OBSERVER ? null : worker(workerId);
        ParameterStore s = requireStore();
        if (out.length != s.numElements()) {
            throw RequestException.invalid("weights buffer has " + out.length + " elements, model has "
                    + s.numElements());
        }
        if (w != null) {
            w.lastSeenNanos = System.nanoTime();
        }
        s.copyWeights(out);
        if (w != null) {
            compensation.onSent(workerId, s.weights());
        }
        return s.version();
    }

    /**
     * Like {@link #pull(int, float[])} but straight into a buffer (a shared memory region), so a transport
     * needs no intermediate array. The buffer's position is left unchanged.
     */
    public synchronized long pull(int workerId, java.nio.FloatBuffer out) {
        WorkerRecord w = workerId == OBSERVER ? null : worker(workerId);
        ParameterStore s = requireStore();
        if (out.remaining() < s.numElements()) {
            throw RequestException.invalid("weights buffer has room for " + out.remaining() + " elements, model has "
                    + s.numElements());
        }
        if (w != null) {
            w.lastSeenNanos = System.nanoTime();
        }
        out.put(out.position(), s.weights(), 0, s.numElements());
        return s.version();
    }

    /** Whether the consistency model lets this worker pull now (SSP holds back one too far ahead). */
    public synchronized boolean mayPull(int workerId) {
        if (workerId == OBSERVER) {
            return true;
        }
        worker(workerId);
        return consistency.mayPull(workerId, sink);
    }

    /** Waits until {@link #mayPull} holds. @return whether it does (false on timeout) */
    public synchronized boolean awaitMayPull(int workerId, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!mayPull(workerId)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /**
     * Takes a gradient computed on the weights of {@code baseVersion}. The gradient array becomes the
     * server's (callers hand over a copy they will not touch again). The returned ticket completes when the
     * consistency model applies or drops it; in asynchronous mode, before this method returns.
     *
     * @param sequence the worker's count of its pushes, from 1; a repeat is refused as a duplicate
     */
    public synchronized PushTicket push(int workerId, long baseVersion, long sequence, float[] gradient,
                                        double loss, int batchSize) {
        WorkerRecord w = checkPush(workerId, baseVersion, sequence, batchSize);
        ParameterStore s = store;
        if (gradient.length != s.numElements()) {
            throw RequestException.invalid("gradient has " + gradient.length + " elements, model has "
                    + s.numElements() + " (" + s.layout() + ")");
        }
        requireFinite(gradient, "gradient");
        accept(w, sequence, loss);
        compensation.adjustGradient(workerId, s.version() - baseVersion, gradient, s.weights());
        PushTicket ticket = new PushTicket();
        consistency.submit(new Submission(workerId, w.rank, baseVersion, gradient, loss, batchSize, ticket), sink);
        notifyAll();
        return ticket;
    }

    /**
     * Takes a sparse gradient: {@code values[j]} is the gradient of row (flat element) {@code rows[j]}; rows
     * not named have gradient zero. Validated as strictly as {@link #push} (rows in range and strictly
     * increasing, values finite, same length), and a refusal changes nothing. The arrays become the
     * server's.
     *
     * <p>In asynchronous mode with a rule that implements
     * {@link dev.momentumps.server.optim.SparseUpdateRule} (and no staleness compensation) only the named
     * rows are visited, lazily (see that interface for how each rule treats untouched rows). Otherwise the
     * gradient is scattered into a dense one and takes {@link #push}'s path: exactly dense semantics.
     */
    public synchronized PushTicket pushSparse(int workerId, long baseVersion, long sequence, int[] rows,
                                              float[] values, double loss, int batchSize) {
        WorkerRecord w = checkPush(workerId, baseVersion, sequence, batchSize);
        ParameterStore s = store;
        SparseRows.check(rows, values, s.numElements());
        if (!(s.supportsSparse() && consistency.kind() == ConsistencyKind.ASYNCHRONOUS
                && compensation == StalenessCompensation.NONE)) {
            return push(workerId, baseVersion, sequence, SparseRows.scatter(rows, values, s.numElements()),
                    loss, batchSize);
        }
        accept(w, sequence, loss);
        PushTicket ticket = new PushTicket();
        Submission sub = new Submission(workerId, w.rank, baseVersion, values, loss, batchSize, ticket);
        long before = s.version();
        s.applySparse(rows, values, values.length, 1f);
        sink.recordApplied(before, List.of(sub));
        notifyAll();
        return ticket;
    }

    /**
     * Copies the current weights of the rows {@code rows[0..n)} (each caught up to the current version)
     * into {@code out[0..n)}; returns the version. Rows must be valid (as {@link #pushSparse} checks them).
     */
    public synchronized long pullRows(int workerId, int[] rows, int n, float[] out) {
        WorkerRecord w = workerId == OBSERVER ? null : worker(workerId);
        ParameterStore s = requireStore();
        if (n > rows.length || n > out.length) {
            throw RequestException.invalid("rows: " + n + " rows asked, buffers hold " + rows.length + " and "
                    + out.length);
        }
        SparseRows.checkIndices(rows, n, s.numElements());
        if (w != null) {
            w.lastSeenNanos = System.nanoTime();
        }
        s.settleRows(rows, n);
        for (int j = 0; j < n; j++) {
            out[j] = s.weightAt(rows[j]);
        }
        return s.version();
    }

    /** A snapshot of the counters. */
    public synchronized ServerStatus status() {
        List<ServerStatus.Worker> ws = new ArrayList<>(workers.size());
        for (WorkerRecord w : workers) {
            ws.add(new ServerStatus.Worker(w.id, w.rank, w.name, w.pushes, w.alive, w.staleness.mean(),
                    w.staleness.max(), w.staleness.histogram()));
        }
        int n = (int) Math.min(lossesSeen, RECENT_LOSSES);
        double recent = Double.NaN;
        if (n > 0) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += recentLosses[i];
            }
            recent = sum / n;
        }
        return new ServerStatus(version(), gradientsApplied, gradientsDropped, store != null, consistency.kind(),
                consistency.stalenessBound(), rule.toString(), store == null ? 0 : store.numElements(),
                List.copyOf(ws), staleness.copy(), recent);
    }

    /** Staleness counts of one worker. */
    public synchronized StalenessStats stalenessOf(int workerId) {
        return worker(workerId).staleness.copy();
    }

    /** A copy of the current weights (for reports and tests). */
    public synchronized float[] weights() {
        return requireStore().weights().clone();
    }

    @Override
    public void close() {
        executor.close();
    }

    private WorkerRecord worker(int workerId) {
        if (workerId < 0 || workerId >= workers.size()) {
            throw new RequestException(RequestException.Reason.NOT_FOUND,
                    "worker_id: no worker " + workerId + " is registered (register first)");
        }
        return workers.get(workerId);
    }

    /** The checks every push shares; nothing changes here. @return the pushing worker's record */
    private WorkerRecord checkPush(int workerId, long baseVersion, long sequence, int batchSize) {
        WorkerRecord w = worker(workerId);
        ParameterStore s = requireStore();
        if (!w.alive) {
            throw new RequestException(RequestException.Reason.FAILED_PRECONDITION,
                    "worker_id: worker " + workerId + " has left; register again");
        }
        if (baseVersion < 0 || baseVersion > s.version()) {
            throw new RequestException(RequestException.Reason.OUT_OF_RANGE, "base_version " + baseVersion
                    + " is not in [0, " + s.version() + "] (the server's current version)");
        }
        if (sequence <= w.lastSequence) {
            throw new RequestException(RequestException.Reason.ALREADY_EXISTS, "sequence " + sequence
                    + " of worker " + workerId + " was already pushed (last was " + w.lastSequence + ")");
        }
        if (batchSize < 0) {
            throw RequestException.invalid("batch_size must be >= 0, got " + batchSize);
        }
        return w;
    }

    /** Counts an accepted push against its worker (after every check passed). */
    private void accept(WorkerRecord w, long sequence, double loss) {
        w.lastSequence = sequence;
        w.pushes++;
        w.lastSeenNanos = System.nanoTime();
        if (!Double.isNaN(loss)) {
            recentLosses[(int) (lossesSeen++ % RECENT_LOSSES)] = loss;
        }
    }

    private ParameterStore requireStore() {
        if (store == null) {
            throw new RequestException(RequestException.Reason.FAILED_PRECONDITION,
                    "the model is not initialised yet (a worker must call Initialize first)");
        }
        return store;
    }

    private static void requireFinite(float[] values, String field) {
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (v - v != 0) {
                throw RequestException.invalid(field + "[" + i + "] is " + v + ": only finite values are accepted");
            }
        }
    }

    /** The core as its consistency model sees it. Called with the core's lock held. */
    private final class Sink implements UpdateSink, Clocks {
        @Override
        public void apply(float[] gradient, List<Submission> contributors) {
            long before = store.version();
            store.apply(gradient, compensation.learningRateScale(contributors, before));
            recordApplied(before, contributors);
        }

        /** Staleness, counters, listeners and tickets of an update just applied (the version was {@code before}). */
        void recordApplied(long before, List<Submission> contributors) {
            long after = store.version();
            long now = System.nanoTime();
            for (Submission sub : contributors) {
                long tau = before - sub.baseVersion();
                staleness.record(tau);
                workers.get(sub.workerId()).staleness.record(tau);
                gradientsApplied++;
                for (UpdateListener l : listeners) {
                    l.onApplied(after, sub.workerId(), tau, sub.loss(), now);
                }
                sub.ticket().complete(true, after, tau);
            }
        }

        @Override
        public void drop(Submission submission) {
            gradientsDropped++;
            submission.ticket().complete(false, store.version(), -1);
        }

        @Override
        public long version() {
            return store.version();
        }

        @Override
        public Clocks clocks() {
            return this;
        }

        @Override
        public float[] newBuffer() {
            return new float[store.numElements()];
        }

        @Override
        public long clock(int workerId) {
            return workers.get(workerId).pushes;
        }

        @Override
        public long minLiveClock() {
            long min = Long.MAX_VALUE;
            for (WorkerRecord w : workers) {
                if (w.alive) {
                    min = Math.min(min, w.pushes);
                }
            }
            return min == Long.MAX_VALUE ? 0 : min;
        }

        @Override
        public int liveWorkers() {
            int n = 0;
            for (WorkerRecord w : workers) {
                if (w.alive) {
                    n++;
                }
            }
            return n;
        }

        @Override
        public int[] liveWorkerIds() {
            int[] ids = new int[liveWorkers()];
            int k = 0;
            for (WorkerRecord w : workers) {
                if (w.alive) {
                    ids[k++] = w.id;
                }
            }
            return ids;
        }
    }
}
