package dev.momentumps.server.core;

import dev.momentumps.server.compensation.Compensations;
import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.server.consistency.Clocks;
import dev.momentumps.server.consistency.ConsistencyModel;
import dev.momentumps.server.consistency.PushTicket;
import dev.momentumps.server.consistency.Submission;
import dev.momentumps.server.consistency.UpdateSink;
import dev.momentumps.server.optim.LearningRateSchedule;
import dev.momentumps.server.optim.LookAhead;
import dev.momentumps.server.optim.UpdateOrigin;
import dev.momentumps.server.optim.UpdateRule;
import dev.momentumps.wire.ConsistencyKind;
import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.StalenessStats;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.config.ConfigKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The parameter server, transport-free: workers register, one of them initialises the model, then they
 * pull weights and push gradients. The consistency model decides when a gradient is applied; the store
 * applies it with the update rule; staleness is counted per worker. Every transport goes through this
 * class's one pull ({@link #pull(int, PullTarget)}) and one push path.
 *
 * <p>Its parts, each with one job: {@link WorkerRegistry} (workers, leases, clocks), {@link PushChecks}
 * (what a push must satisfy, and the {@link NonFinitePolicy}), {@link AdmissionLimits} (the largest model
 * and the bytes in flight a request is admitted against), {@link CoreCheckpoint} (snapshot and restore),
 * {@link UpdateCounters}; this class orders the updates and does each request's bookkeeping.
 *
 * <p>Every request is checked completely before anything changes, so a refused request (a
 * {@link RequestException} naming the field) leaves the state exactly as it was. All state sits behind
 * this object's monitor; waiting (for a synchronous round, for SSP's bound) happens outside it.
 *
 * <p>The gRPC service, the in-process client and the simulator all drive this same class.
 */
public final class ParameterServerCore implements AutoCloseable {
    /** The worker id a monitor pulls with: it reads weights without being a worker that rounds wait on. */
    public static final int OBSERVER = -1;

    private final UpdateRule rule;
    private final LearningRateSchedule schedule;
    private final float clipNorm;
    private final ConsistencyModel consistency;
    private final RangeExecutor executor;
    private final List<UpdateListener> listeners = new CopyOnWriteArrayList<>();
    private final WorkerRegistry workers = new WorkerRegistry();
    private final PushChecks checks = new PushChecks();
    private final UpdateCounters counters = new UpdateCounters();
    private final Sink sink = new Sink();
    private final List<Checkpointable> checkpointables = new CopyOnWriteArrayList<>();
    private final AdmissionLimits limits = new AdmissionLimits();
    // written under the lock; volatile so that a push can see, before it takes the lock, how it will be applied
    private volatile ParameterStore store;
    private volatile StalenessCompensation compensation = StalenessCompensation.NONE;
    private float[] lookAheadScratch;
    private volatile Replication replication = Replication.NONE;
    /** a borrowed gradient is applied in place only for models of more elements than this */
    private volatile int inPlaceAbove = ConfigKeys.IN_PLACE_ABOVE.getInt();
    /** a standby that has not taken over: leases do not expire (the primary's expiries arrive as operations) */
    private boolean standby;

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

    /**
     * Sets the staleness compensation (default none); it sees every later pull, push and update.
     *
     * @throws IllegalArgumentException if it and the update rule both send look-ahead weights
     */
    public synchronized void setCompensation(StalenessCompensation compensation) {
        StalenessCompensation c = compensation == null ? StalenessCompensation.NONE : compensation;
        if (c instanceof LookAhead && rule instanceof LookAhead) {
            throw new IllegalArgumentException("the compensation " + c + " and the update rule " + rule
                    + " both send look-ahead weights; use one of them");
        }
        this.compensation = c;
    }

    public synchronized StalenessCompensation compensation() {
        return compensation;
    }

    /**
     * Reports every state-changing operation from now on to {@code replication} (a hot standby's link); set
     * before the server takes calls.
     */
    public void setReplication(Replication replication) {
        this.replication = replication == null ? Replication.NONE : replication;
    }

    public Replication replication() {
        return replication;
    }

    /**
     * Makes this core a hot standby's: it applies a primary's operations and its leases do not expire (the
     * primary's expiries arrive as operations) until {@link #takeOver}.
     */
    public synchronized void setStandby(boolean standby) {
        this.standby = standby;
    }

    /**
     * The primary is gone and this standby serves the workers from now: every live worker's lease starts
     * afresh, and a worker that registers again under a live worker's rank gets that worker's id back with
     * its clock and its last sequence number (so a push it sends again is recognised as already taken).
     */
    public synchronized void takeOver() {
        standby = false;
        workers.takeOver();
        notifyAll();
    }

    public ConsistencyModel consistency() {
        return consistency;
    }

    public UpdateRule rule() {
        return rule;
    }

    /**
     * Registers a worker and returns its id (ids count from 0 in registration order). A worker that comes
     * back (after its lease expired, after it crashed and restarted, or after a server restart from a
     * checkpoint) gets its old id back if that rank's record is not alive: it keeps its clock and its
     * staleness counts, and its push sequence starts afresh. A name longer than
     * {@link RequestBounds#MAX_NAME_BYTES} is refused.
     */
    public synchronized int register(int rank, String name) {
        WorkerRecord back = workers.reclaim(rank);
        if (back != null) {
            replication.registered(back.id, rank, name);
            return back.id;
        }
        WorkerRecord w = workers.register(rank, name);
        consistency.onWorkerJoined(w.id);
        replication.registered(w.id, rank, name);
        notifyAll();
        return w.id;
    }

    /** Marks a worker gone: synchronous rounds stop waiting for it. Unknown ids are refused. */
    public synchronized void deregister(int workerId) {
        WorkerRecord w = workers.get(workerId);
        w.reclaimable = false;
        if (w.alive) {
            w.alive = false;
            replication.deregistered(workerId);
            consistency.onWorkerGone(workerId, sink);
            for (UpdateListener l : listeners) {
                l.onWorkerGone(workerId);
            }
            notifyAll();
        }
    }

    /**
     * A sign of life from a worker that asks for the Status (one waiting for the others to register): renews
     * the lease of a live worker; an unknown id (a server restarted without its workers) or a gone worker is
     * left alone, so the Status is answered either way.
     */
    public synchronized void renewLease(int workerId) {
        if (workerId >= 0 && workerId < workers.size() && workers.get(workerId).alive) {
            workers.touch(workers.get(workerId));
        }
    }

    /** A sign of life from a worker (a call in progress): renews its lease. Unknown ids are refused. */
    public synchronized void touch(int workerId) {
        workers.touch(workers.get(workerId));
    }

    /**
     * Marks gone every live worker not heard from for {@code leaseNanos} (a crashed or hung worker), so
     * synchronous rounds and the staleness bound go on with the live ones. The worker may register again.
     *
     * @return the ids of the workers marked gone, ascending
     */
    public synchronized int[] expireLeases(long leaseNanos) {
        if (standby) {
            return new int[0];
        }
        int[] gone = workers.expired(leaseNanos);
        for (int id : gone) {
            deregister(id);
        }
        return gone;
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
    public boolean initialize(int workerId, TensorLayout layout, float[] weights) {
        return initialize(workerId, layout, weights, false);
    }

    /**
     * {@link #initialize(int, TensorLayout, float[])}; with {@code handOver} the array becomes the live weights
     * instead of being copied (the caller will not touch it again): a transport that assembled it for this
     * call saves a model-sized copy, which would otherwise stay behind as the server's heap's high-water mark.
     */
    public synchronized boolean initialize(int workerId, TensorLayout layout, float[] weights, boolean handOver) {
        checkInitialize(workerId, layout);
        if (store != null) {
            return false;
        }
        PushChecks.requireFinite(weights, "weights");
        store = new ParameterStore(layout, weights, rule, schedule, clipNorm, executor, handOver);
        replication.initialized(workerId, layout, weights);
        for (UpdateListener l : listeners) {
            l.onInitialized(weights);
        }
        notifyAll();
        return true;
    }

    /** The largest model this server accepts, in parameters (default: the largest a layout can describe). */
    public void setMaxParams(long maxParams) {
        limits.setMaxParams(maxParams);
    }

    public long maxParams() {
        return limits.maxParams();
    }

    /**
     * The bytes that requests in flight may hold together while their frames arrive (a transport's admission
     * control reads it when it starts; default a quarter of the heap, at least 64 MiB).
     */
    public void setInflightBytes(long bytes) {
        limits.setInflightBytes(bytes);
    }

    public long inflightBytes() {
        return limits.inflightBytes();
    }

    /**
     * Checks an Initialize before any of its weights are received or allocated: a registered worker, a layout
     * of at most {@link #maxParams} elements, and, once initialised, the same layout as the model's.
     * @return whether the model is initialised already (the weights then need not be read at all)
     */
    public synchronized boolean checkInitialize(int workerId, TensorLayout layout) {
        workers.get(workerId);
        limits.checkLayout(layout);
        if (store != null) {
            if (!store.layout().equals(layout)) {
                throw new RequestException(RequestException.Reason.FAILED_PRECONDITION,
                        "layout: the model is already initialised as " + store.layout() + ", not " + layout);
            }
            return true;
        }
        return false;
    }

    /** Checks that {@code workerId} is registered (NOT_FOUND naming worker_id otherwise). */
    public synchronized void checkRegistered(int workerId) {
        workers.get(workerId);
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
    public long pull(int workerId, float[] out) {
        return pull(workerId, PullTarget.into(out));
    }

    /**
     * Like {@link #pull(int, float[])} but straight into a buffer (a shared memory region), so a transport
     * needs no intermediate array. The buffer's position is left unchanged.
     */
    public long pull(int workerId, java.nio.FloatBuffer out) {
        return pull(workerId, PullTarget.into(out));
    }

    /**
     * The one pull every transport takes: hands {@code target} the weights this worker is sent and their
     * version while holding the core's lock, so nothing changes them meanwhile. The bookkeeping happens here
     * once, whatever the target: the worker's lease is renewed; a {@link LookAhead} in force (the update
     * rule's or the compensation's) turns the live weights into the ones this worker is sent; the staleness
     * compensation learns what was sent ({@link StalenessCompensation#onSent}). Without a look-ahead the live
     * weights (every row caught up) go to the target with no copy. Returns the version; {@link #OBSERVER}
     * may pull (it gets the live weights, and nothing is recorded).
     */
    public synchronized long pull(int workerId, PullTarget target) {
        WorkerRecord w = sender(workerId);
        ParameterStore s = requireStore();
        target.requireRoom(s.numElements());
        float[] sent = s.weights();
        long version = s.version();
        if (w == null) {
            target.accept(sent, version);
            return version;
        }
        workers.touch(w);
        LookAhead ahead = lookAheadFor(workerId);
        if (ahead != null) {
            sent = lookAhead(ahead, workerId, sent, s);
        }
        target.accept(sent, version);
        compensation.onSent(workerId, sent);
        if (compensation != StalenessCompensation.NONE) {
            replication.pulled(workerId, null, 0);
        }
        return version;
    }

    /** The look-ahead in force for this worker (the compensation's, else the update rule's), or null. */
    private LookAhead lookAheadFor(int workerId) {
        LookAhead ahead = compensation instanceof LookAhead c ? c : rule instanceof LookAhead r ? r : null;
        return ahead != null && ahead.looksAhead(workerId) ? ahead : null;
    }

    /** The look-ahead weights of {@code live} for this worker, in the core's one scratch array. */
    private float[] lookAhead(LookAhead ahead, int workerId, float[] live, ParameterStore s) {
        if (lookAheadScratch == null || lookAheadScratch.length != live.length) {
            lookAheadScratch = new float[live.length];
        }
        ahead.lookAhead(workerId, live, s.nextLr(), lookAheadScratch);
        return lookAheadScratch;
    }

    /** The record of a pulling worker; null for {@link #OBSERVER}. */
    private WorkerRecord sender(int workerId) {
        return workerId == OBSERVER ? null : workers.get(workerId);
    }

    /**
     * Copies the current weights of the rows {@code rows[0..n)} (each caught up to the current version)
     * into {@code out[0..n)}; returns the version. Rows must be valid (as {@link #pushSparse} checks them).
     * The bookkeeping is {@link #pull(int, PullTarget)}'s, for the rows sent: the lease is renewed, a
     * look-ahead in force gives the rows' values, and the compensation learns them
     * ({@link StalenessCompensation#onSentRows}).
     */
    public synchronized long pullRows(int workerId, int[] rows, int n, float[] out) {
        WorkerRecord w = sender(workerId);
        ParameterStore s = requireStore();
        if (n > rows.length || n > out.length) {
            throw RequestException.invalid("rows: " + n + " rows asked, buffers hold " + rows.length + " and "
                    + out.length);
        }
        SparseRows.checkIndices(rows, n, s.numElements());
        LookAhead ahead = w == null ? null : lookAheadFor(workerId);
        if (ahead != null) {
            float[] sent = lookAhead(ahead, workerId, s.weights(), s);
            for (int j = 0; j < n; j++) {
                out[j] = sent[rows[j]];
            }
        } else {
            s.settleRows(rows, n);
            for (int j = 0; j < n; j++) {
                out[j] = s.weightAt(rows[j]);
            }
        }
        if (w != null) {
            workers.touch(w);
            compensation.onSentRows(workerId, rows, n, out);
            if (compensation != StalenessCompensation.NONE) {
                replication.pulled(workerId, rows, n);
            }
        }
        return s.version();
    }

    /** Whether the consistency model lets this worker pull now (SSP holds back one too far ahead). */
    public synchronized boolean mayPull(int workerId) {
        if (workerId == OBSERVER) {
            return true;
        }
        workers.get(workerId);
        return consistency.mayPull(workerId, workers);
    }

    /** Waits until {@link #mayPull} holds. @return whether it does (false on timeout) */
    public synchronized boolean awaitMayPull(int workerId, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!mayPull(workerId)) {
            if (workerId != OBSERVER) {
                workers.touch(workers.get(workerId)); // waiting is a sign of life
            }
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
    public PushTicket push(int workerId, long baseVersion, long sequence, float[] gradient, double loss,
                           int batchSize) {
        return push(workerId, baseVersion, sequence, gradient, loss, batchSize, false);
    }

    /**
     * {@link #push(int, long, long, float[], double, int)} for a caller that has already checked, while it
     * was producing the gradient, that every value is finite ({@code knownFinite}): no
     * {@link NonFinitePolicy} changes a finite gradient, so the scan is skipped. With {@code knownFinite}
     * false the gradient is scanned as usual.
     */
    public PushTicket push(int workerId, long baseVersion, long sequence, float[] gradient, double loss,
                           int batchSize, boolean knownFinite) {
        return push(workerId, baseVersion, sequence, GradientSource.of(gradient, knownFinite), loss, batchSize);
    }

    /**
     * The one dense push every transport takes, with the gradient where the transport holds it
     * ({@link GradientSource}). The checks, counts, compensation and consistency model are the same whatever
     * the source. A borrowed buffer (a worker's shared region) is read in place when the update can take it
     * block by block ({@link #appliesBlocks}: a model above the in-place threshold ({@link #setInPlaceAbove}), an
     * asynchronous server, no compensation, no standby, a rule
     * that takes gradient blocks and does not need to know the update's origin, no clipping): one pass over
     * the buffer applies the non-finite policy before anything changes, then each block is copied into a
     * small scratch, checked again there and applied from there ({@link ParameterStore#applyBlocks}), so no
     * model-sized copy is made and what is applied is what was checked. Otherwise the buffer is copied into
     * an array of the transport's first ({@link GradientSource#array()}), each block checked as it lands, and
     * the array takes the array's path.
     */
    public PushTicket push(int workerId, long baseVersion, long sequence, GradientSource gradient, double loss,
                           int batchSize) {
        // NaN/Inf handling reads only the caller's values, so it runs before the lock: another worker's update
        // is not held up by this scan. Nothing of the server's state is touched until pushChecked.
        boolean skip;
        if (!gradient.isArray() && appliesBlocks()) {
            skip = checks.screen(gradient.buffer(), gradient.length());
        } else {
            gradient.copyIntoArray();
            skip = !gradient.knownFinite() && checks.screen(gradient.array());
        }
        return pushChecked(workerId, baseVersion, sequence, gradient, loss, batchSize, skip);
    }

    /**
     * A borrowed gradient ({@link GradientSource#borrowed}) is applied in place, block by block, only for models
     * of more than {@code elements} elements (default {@link ConfigKeys#IN_PLACE_ABOVE}, 16M); a smaller one is
     * copied into an array of the transport's first, each block checked as it lands. In place saves the
     * model-sized copy, which matters for memory only at large models, and costs a second check of every value;
     * copied, the region is read once ({@code mps bench transport --params 1000000|10000000 --workers 2}: the
     * server's CPU a round is about 1 ms lower at 1M and 4 ms lower at 10M than in place).
     */
    public void setInPlaceAbove(int elements) {
        if (elements < 0) {
            throw new IllegalArgumentException("in-place threshold must be >= 0, got " + elements);
        }
        inPlaceAbove = elements;
    }

    /**
     * Whether a push read in place is applied block by block (see {@link #push(int, long, long, GradientSource,
     * double, int)}); the store's part once the model is initialised.
     */
    private boolean appliesBlocks() {
        ParameterStore s = store;
        return consistency.kind() == ConsistencyKind.ASYNCHRONOUS && compensation == StalenessCompensation.NONE
                && replication == Replication.NONE && !(rule instanceof UpdateOrigin) && s != null
                && s.numElements() > inPlaceAbove && s.appliesBlocks();
    }

    /** The one dense push: checks, counts, compensation, then the consistency model. */
    private synchronized PushTicket pushChecked(int workerId, long baseVersion, long sequence,
                                                GradientSource source, double loss, int batchSize, boolean skip) {
        WorkerRecord w = pusher(workerId, baseVersion, sequence, batchSize);
        ParameterStore s = store;
        PushChecks.checkLength(source.length(), s);
        if (!source.isArray() && !appliesBlocks()) {
            // the compensation or the standby was set after the scan: take the array's path from here
            source.copyIntoArray();
            skip = checks.screen(source.array());
        }
        float[] gradient = source.array();
        if (gradient == null) {
            accept(w, sequence, loss, source.path());
            if (skip) {
                return dropped(workerId);
            }
            long before = s.version();
            s.applyBlocks(source.buffer());
            return appliedInPlace(workerId, w, baseVersion, null, loss, batchSize, before);
        }
        replication.pushed(workerId, baseVersion, sequence, gradient, loss, batchSize, source.path());
        accept(w, sequence, loss, source.path());
        compensation.adjustGradient(workerId, s.version() - baseVersion, gradient, s.weights());
        if (skip) {
            return dropped(workerId);
        }
        PushTicket ticket = new PushTicket();
        consistency.submit(new Submission(workerId, w.rank, baseVersion, gradient, loss, batchSize, ticket), sink);
        notifyAll();
        return ticket;
    }

    /**
     * Takes a sparse gradient: {@code values[j]} is the gradient of row (flat element) {@code rows[j]}; rows
     * not named have gradient zero. Validated as strictly as {@link #push} (rows in range and strictly
     * increasing, same length, non-finite values as the {@link NonFinitePolicy} says), and a refusal
     * changes nothing. The arrays become the server's.
     *
     * <p>In asynchronous mode with a rule that implements
     * {@link dev.momentumps.server.optim.SparseUpdateRule} (and no staleness compensation but a meter) only the named
     * rows are visited, lazily (see that interface for how each rule treats untouched rows). Otherwise the
     * gradient is scattered into a dense one and takes {@link #push}'s path: exactly dense semantics.
     */
    public PushTicket pushSparse(int workerId, long baseVersion, long sequence, int[] rows, float[] values,
                                 double loss, int batchSize) {
        return pushSparse(workerId, baseVersion, sequence, rows, values, loss, batchSize, null);
    }

    /**
     * {@link #pushSparse(int, long, long, int[], float[], double, int)} that came by the transport path named
     * {@code path} (counted in {@code pushes_by_path} once taken in; null: not counted).
     */
    public synchronized PushTicket pushSparse(int workerId, long baseVersion, long sequence, int[] rows,
                                              float[] values, double loss, int batchSize, String path) {
        WorkerRecord w = pusher(workerId, baseVersion, sequence, batchSize);
        ParameterStore s = store;
        SparseRows.checkShape(rows, values, s.numElements());
        checks.rejectSparse(rows, values);
        if (!(s.supportsSparse() && consistency.kind() == ConsistencyKind.ASYNCHRONOUS
                && !compensation.changesUpdates())) {
            return push(workerId, baseVersion, sequence, GradientSource.of(SparseRows.scatter(rows, values,
                    s.numElements()), false).via(path), loss, batchSize);
        }
        boolean skip = checks.screenSparse(values);
        replication.pushedSparse(workerId, baseVersion, sequence, rows, values, loss, batchSize, path);
        accept(w, sequence, loss, path);
        if (skip) {
            return dropped(workerId);
        }
        long before = s.version();
        s.applySparse(rows, values, values.length, 1f);
        return appliedInPlace(workerId, w, baseVersion, values, loss, batchSize, before);
    }

    /**
     * The bookkeeping of a push the store has just applied itself, bypassing the consistency model (the
     * in-place block path and the lazy sparse path): records it as applied at {@code before} and wakes waiters.
     */
    private PushTicket appliedInPlace(int workerId, WorkerRecord w, long baseVersion, float[] values, double loss,
                                      int batchSize, long before) {
        PushTicket ticket = new PushTicket();
        sink.recordApplied(before, List.of(new Submission(workerId, w.rank, baseVersion, values, loss, batchSize,
                ticket)));
        notifyAll();
        return ticket;
    }

    /** The pushing worker's record once every check every push shares has passed; nothing changes here. */
    private WorkerRecord pusher(int workerId, long baseVersion, long sequence, int batchSize) {
        WorkerRecord w = workers.get(workerId);
        ParameterStore s = requireStore();
        workers.live(workerId);
        PushChecks.check(w, s, baseVersion, sequence, batchSize);
        return w;
    }

    /** Counts an accepted push against its worker (after every check passed). */
    private void accept(WorkerRecord w, long sequence, double loss, String path) {
        w.lastSequence = sequence;
        w.pushes++;
        workers.touch(w);
        counters.recordLoss(loss);
        counters.taken(path);
    }

    /** The ticket of a push taken in but not applied (a non-finite gradient under SKIP), already complete. */
    private PushTicket dropped(int workerId) {
        counters.dropped();
        for (UpdateListener l : listeners) {
            l.onDropped(workerId, UpdateListener.DropReason.NON_FINITE);
        }
        PushTicket ticket = new PushTicket();
        ticket.complete(false, store.version(), -1);
        notifyAll();
        return ticket;
    }

    /** A snapshot of the counters. */
    public synchronized ServerStatus status() {
        return new ServerStatus(version(), counters.appliedCount(), counters.droppedCount(), store != null,
                consistency.kind(), consistency.stalenessBound(), optimizer(),
                store == null ? 0 : store.numElements(), workers.status(), counters.staleness().copy(),
                counters.recentLoss(), counters.pushesByPath());
    }

    /**
     * The optimizer in force, for reports: the update rule with its hyper-parameters, then the staleness
     * compensation if there is one ({@code momentum(lr=0.05, beta=0.9) + dc-asgd-c(lambda=2.0)}).
     */
    public synchronized String optimizer() {
        return compensation.changesUpdates() ? rule + " + " + compensation : rule.toString();
    }

    /** Staleness counts of one worker. */
    public synchronized StalenessStats stalenessOf(int workerId) {
        return workers.get(workerId).staleness.copy();
    }

    /** A copy of the current weights (for reports and tests). */
    public synchronized float[] weights() {
        return requireStore().weights().clone();
    }

    @Override
    public void close() {
        executor.close();
    }

    private ParameterStore requireStore() {
        if (store == null) {
            throw new RequestException(RequestException.Reason.FAILED_PRECONDITION,
                    "the model is not initialised yet (a worker must call Initialize first)");
        }
        return store;
    }

    /** How pushed gradients with NaN or ±Inf are treated from now on (default {@link NonFinitePolicy#REJECT}). */
    public void setNonFinitePolicy(NonFinitePolicy policy) {
        checks.setPolicy(policy);
    }

    public NonFinitePolicy nonFinitePolicy() {
        return checks.policy();
    }

    /** Includes {@code part}'s state in every {@link #snapshot} and {@link #restore}. */
    public void addCheckpointable(Checkpointable part) {
        checkpointables.add(part);
    }

    /** A consistent copy of the whole state, for a checkpoint; null before initialisation. */
    public synchronized CoreSnapshot snapshot() {
        return store == null ? null : CoreCheckpoint.take(store, rule, counters, workers, parts());
    }

    /**
     * Puts a snapshot back into a fresh core (no worker registered, model not initialised). Saved workers
     * come back as not alive: each registers again and gets its id, clock and counts back.
     *
     * @throws IllegalStateException    if this core already has workers or a model
     * @throws IllegalArgumentException if the snapshot does not fit this core's update rule or parts
     */
    public synchronized void restore(CoreSnapshot snap) {
        if (store != null || !workers.isEmpty()) {
            throw new IllegalStateException("restore needs a fresh core (it has " + workers.size()
                    + " workers and is " + (store == null ? "not " : "") + "initialised)");
        }
        // the store's constructor allocates the rule's state (zeroed); the saved vectors are copied in
        ParameterStore restored = new ParameterStore(snap.layout(), snap.weights(), rule, schedule, clipNorm, executor);
        restored.resumeAt(snap.version());
        CoreCheckpoint.restore(snap, rule, counters, workers, parts());
        store = restored;
        notifyAll();
    }

    /** Every part whose state a checkpoint keeps: the consistency model, each compensation, the added ones. */
    private List<Checkpointable> parts() {
        List<Checkpointable> all = new ArrayList<>();
        if (consistency instanceof Checkpointable c) {
            all.add(c);
        }
        if (rule instanceof Checkpointable c) {
            all.add(c);
        }
        for (StalenessCompensation part : Compensations.partsOf(compensation)) {
            if (part instanceof Checkpointable c) {
                all.add(c);
            }
        }
        all.addAll(checkpointables);
        return all;
    }

    /** The core as its consistency model sees it. Called with the core's lock held. */
    private final class Sink implements UpdateSink {
        @Override
        public void apply(float[] gradient, List<Submission> contributors) {
            long before = store.version();
            if (rule instanceof UpdateOrigin origin) {
                tellOrigin(origin, gradient, contributors, before);
            }
            store.apply(gradient, compensation.learningRateScale(contributors, before));
            recordApplied(before, contributors);
        }

        private void tellOrigin(UpdateOrigin origin, float[] gradient, List<Submission> contributors, long before) {
            long base = Long.MAX_VALUE;
            for (Submission sub : contributors) {
                base = Math.min(base, sub.baseVersion());
            }
            int worker = contributors.size() == 1 ? contributors.get(0).workerId() : UpdateOrigin.SEVERAL;
            origin.beforeUpdate(worker, base, before, gradient, store.weights());
        }

        /** Staleness, counters, listeners and tickets of an update just applied (the version was {@code before}). */
        void recordApplied(long before, List<Submission> contributors) {
            long after = store.version();
            long now = System.nanoTime();
            for (Submission sub : contributors) {
                long tau = before - sub.baseVersion();
                counters.applied(tau);
                workers.get(sub.workerId()).staleness.record(tau);
                for (UpdateListener l : listeners) {
                    l.onApplied(after, sub.workerId(), tau, sub.loss(), now);
                }
                sub.ticket().complete(true, after, tau);
            }
        }

        @Override
        public void drop(Submission submission) {
            counters.dropped();
            for (UpdateListener l : listeners) {
                l.onDropped(submission.workerId(), UpdateListener.DropReason.BACKUP_ROUND);
            }
            submission.ticket().complete(false, store.version(), -1);
        }

        @Override
        public long version() {
            return store.version();
        }

        @Override
        public Clocks clocks() {
            return workers;
        }

        @Override
        public float[] newBuffer() {
            return new float[store.numElements()];
        }
    }
}
