package dev.momentumps.worker.client;

import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.TensorLayout;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * A {@link ParameterClient} that outlives a server crash. When the server is unreachable it retries with
 * {@link Backoff bounded exponential backoff with jitter} for up to {@code giveUpMillis}; once the server
 * answers again (restarted, perhaps from an older checkpoint) it registers again under the same rank,
 * offers the initial weights again (a no-op when the server resumed a model) and goes on.
 *
 * <p>A push that failed because the server went away, or that the restarted server refuses (this worker's
 * registration or its base version no longer exist there), is dropped, not resent: the server may have
 * rolled back past the weights it was computed on. The push returns "not applied" with fresh weights, so
 * the training loop simply continues from the server's state. How many updates the restart rolled back is
 * logged and counted ({@link #updatesLost()}).
 */
public final class ReconnectingParameterClient implements ParameterClient {
    private final ParameterClient delegate;
    private final long giveUpMillis;
    private final Backoff backoff;
    private final Consumer<String> log;
    private final Runnable beforeRetry;
    private int rank = -1;
    private String name;
    private TensorLayout layout;
    private float[] initialWeights;
    private long lastVersionSeen;
    private long reconnects;
    private long pushesDropped;
    private long updatesLost;

    /**
     * @param beforeRetry run before each retry (e.g. to make the channel reconnect at once); may be null
     */
    public ReconnectingParameterClient(ParameterClient delegate, long initialBackoffMillis, long maxBackoffMillis,
                                       long giveUpMillis, long seed, Consumer<String> log, Runnable beforeRetry) {
        if (giveUpMillis < 0) {
            throw new IllegalArgumentException("give-up time must be >= 0 ms, got " + giveUpMillis);
        }
        this.delegate = delegate;
        this.giveUpMillis = giveUpMillis;
        this.backoff = new Backoff(initialBackoffMillis, maxBackoffMillis, seed);
        this.log = log;
        this.beforeRetry = beforeRetry == null ? () -> { } : beforeRetry;
    }

    /** Times this client re-registered after losing the server. */
    public long reconnects() {
        return reconnects;
    }

    /** Pushes dropped because the server went away or restarted under them. */
    public long pushesDropped() {
        return pushesDropped;
    }

    /** Updates the server lost in restarts, as seen from here: last version seen minus resumed version. */
    public long updatesLost() {
        return updatesLost;
    }

    @Override
    public Registration register(int rank, String name) {
        this.rank = rank;
        this.name = name;
        Registration r = retrying("register", () -> delegate.register(rank, name));
        lastVersionSeen = Math.max(lastVersionSeen, r.version());
        return r;
    }

    @Override
    public boolean initialize(TensorLayout layout, float[] weights) {
        this.layout = layout;
        this.initialWeights = weights.clone();
        return retrying("initialize", () -> delegate.initialize(layout, weights));
    }

    @Override
    public long pull(float[] out) {
        if (rank < 0) {
            return seen(retrying("pull", () -> delegate.pull(out))); // an observer: nothing to register again
        }
        while (true) {
            try {
                return seen(delegate.pull(out));
            } catch (StatusRuntimeException e) {
                if (!serverLost(e)) {
                    throw e;
                }
                reconnect(e);
            }
        }
    }

    @Override
    public PushResult push(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                           float[] weightsOut) {
        return guarded(() -> delegate.push(baseVersion, sequence, gradient, loss, batchSize, weightsOut), weightsOut);
    }

    @Override
    public PushResult pushSparse(long baseVersion, long sequence, int numElements, int[] rows, float[] values, int n,
                                 boolean half, double loss, int batchSize, float[] weightsOut) {
        return guarded(() -> delegate.pushSparse(baseVersion, sequence, numElements, rows, values, n, half, loss,
                batchSize, weightsOut), weightsOut);
    }

    @Override
    public PushResult pushHalf(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                               float[] weightsOut) {
        return guarded(() -> delegate.pushHalf(baseVersion, sequence, gradient, loss, batchSize, weightsOut),
                weightsOut);
    }

    /** One push; when the server is lost: reconnect, count the push as dropped, and pull if weights were asked. */
    private PushResult guarded(java.util.function.Supplier<PushResult> push, float[] weightsOut) {
        try {
            PushResult r = push.get();
            seen(r.version());
            return r;
        } catch (StatusRuntimeException e) {
            if (!serverLost(e)) {
                throw e;
            }
            reconnect(e);
            pushesDropped++;
            long version = weightsOut != null ? pull(weightsOut) : lastVersionSeen;
            return new PushResult(version, 0, false);
        }
    }

    @Override
    public ServerStatus status() {
        ServerStatus s = retrying("status", delegate::status);
        seen(s.version());
        return s;
    }

    /** The highest server version this client has seen (from pulls, pushes, registrations and statuses). */
    public long lastVersionSeen() {
        return lastVersionSeen;
    }

    @Override
    public void deregister() {
        try {
            delegate.deregister();
        } catch (StatusRuntimeException e) {
            // leaving a server that is gone or forgot us: nothing to undo
            log.accept("deregister: " + e.getStatus());
        }
    }

    @Override
    public void close() {
        delegate.close();
    }

    private long seen(long version) {
        lastVersionSeen = Math.max(lastVersionSeen, version);
        return version;
    }

    /**
     * The server is unreachable, or it is a different server (restarted) that does not know this worker as
     * registered, has no model yet, or is behind the version this worker computed on.
     */
    private static boolean serverLost(StatusRuntimeException e) {
        Status.Code c = e.getStatus().getCode();
        String d = String.valueOf(e.getStatus().getDescription());
        return c == Status.Code.UNAVAILABLE
                || c == Status.Code.NOT_FOUND && d.startsWith("worker_id")
                || c == Status.Code.FAILED_PRECONDITION && (d.contains("register again") || d.contains("not initialised"))
                || c == Status.Code.OUT_OF_RANGE && d.startsWith("base_version");
    }

    /** Registers again (and offers the initial weights again) once the server answers. */
    private void reconnect(StatusRuntimeException cause) {
        if (rank < 0) {
            throw cause;
        }
        long before = lastVersionSeen;
        log.accept("lost the server (" + cause.getStatus().getCode() + ": " + cause.getStatus().getDescription()
                + "); reconnecting");
        Registration r = retrying("register", () -> delegate.register(rank, name));
        if (layout != null) {
            retrying("initialize", () -> delegate.initialize(layout, initialWeights));
        }
        reconnects++;
        long lost = Math.max(0, before - r.version());
        updatesLost += lost;
        lastVersionSeen = r.version();
        log.accept(String.format(Locale.ROOT, "registered again (worker id %d) at server version %d; this "
                + "worker last saw %d, so at least %d updates were lost", r.workerId(), r.version(), before, lost));
    }

    private interface Call<T> {
        T run();
    }

    private <T> T retrying(String what, Call<T> call) {
        long deadline = System.nanoTime() + giveUpMillis * 1_000_000L;
        while (true) {
            try {
                T t = call.run();
                backoff.reset();
                return t;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                    throw e;
                }
                long wait = backoff.next();
                if (System.nanoTime() + wait * 1_000_000L - deadline > 0) {
                    throw Status.UNAVAILABLE.withDescription(what + ": the server did not come back within "
                            + giveUpMillis + " ms: " + e.getStatus().getDescription()).asRuntimeException();
                }
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw Status.CANCELLED.withDescription("interrupted while waiting for the server")
                            .asRuntimeException();
                }
                beforeRetry.run();
            }
        }
    }
}
