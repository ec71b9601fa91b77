package dev.momentumps.worker.client;

import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.TensorLayout;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A {@link ParameterClient} for a primary with a hot standby ({@code mps worker --failover HOST:PORT}): it
 * talks to the first server; when that one is lost (UNAVAILABLE, or CANCELLED by a server shutting down) it moves to the next one that takes
 * its registration, registers there under the same rank (the standby gives the worker its id, clock and last sequence number
 * back), offers the initial weights again (a no-op) and sends the call that failed again.
 *
 * <p>A push is sent again with the same base version and sequence number, so nothing acknowledged or in
 * flight is lost and nothing is applied twice: if the standby already has it (the primary forwarded it and
 * died before answering) the standby refuses it as ALREADY_EXISTS, and the push is complete once the
 * standby's version passes the push's base version (at once in asynchronous mode; when its synchronous round
 * completes otherwise), whose weights are then pulled. The staleness of such a push is not known to the
 * client; it is reported as {@code version - 1 - baseVersion} (0 in a synchronous round).
 *
 * <p>A standby answers UNAVAILABLE while its primary is still attached; the move waits for it with bounded
 * exponential backoff for up to {@code giveUpMillis}.
 */
public final class FailoverParameterClient implements ParameterClient {
    private final List<ParameterClient> servers;
    private final List<String> names;
    private final long giveUpMillis;
    private final Backoff backoff;
    private final Consumer<String> log;
    private int current;
    private int rank = -1;
    private String name;
    private TensorLayout layout;
    private float[] initialWeights;
    private long failovers;
    private long pushesResent;
    private long pushesFoundTaken;

    /**
     * @param servers one client per server, the primary first, then its standby
     * @param names   their addresses, for the log
     */
    public FailoverParameterClient(List<ParameterClient> servers, List<String> names, long giveUpMillis, long seed,
                                   Consumer<String> log) {
        if (servers.isEmpty() || servers.size() != names.size()) {
            throw new IllegalArgumentException("one name per server, at least one server: " + names);
        }
        if (giveUpMillis < 0) {
            throw new IllegalArgumentException("give-up time must be >= 0 ms, got " + giveUpMillis);
        }
        this.servers = List.copyOf(servers);
        this.names = List.copyOf(names);
        this.giveUpMillis = giveUpMillis;
        this.backoff = new Backoff(20, 1_000, seed);
        this.log = log;
    }

    /** Times this client moved to the next server. */
    public long failovers() {
        return failovers;
    }

    /** Pushes sent again after a move. */
    public long pushesResent() {
        return pushesResent;
    }

    /** Pushes sent again that the standby already had (forwarded by the primary before it died). */
    public long pushesFoundTaken() {
        return pushesFoundTaken;
    }

    /** The address of the server in use. */
    public String currentServer() {
        return names.get(current);
    }

    @Override
    public Registration register(int rank, String name) {
        this.rank = rank;
        this.name = name;
        try {
            return server().register(rank, name);
        } catch (StatusRuntimeException e) {
            return moveOn(e);
        }
    }

    @Override
    public boolean initialize(TensorLayout layout, float[] weights) {
        this.layout = layout;
        this.initialWeights = weights.clone();
        return again(() -> server().initialize(layout, weights));
    }

    @Override
    public long pull(float[] out) {
        return again(() -> server().pull(out));
    }

    @Override
    public PushResult push(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                           float[] weightsOut) {
        return pushing(() -> server().push(baseVersion, sequence, gradient, loss, batchSize, weightsOut),
                baseVersion, gradient.length, weightsOut);
    }

    @Override
    public PushResult pushSparse(long baseVersion, long sequence, int numElements, int[] rows, float[] values, int n,
                                 boolean half, double loss, int batchSize, float[] weightsOut) {
        return pushing(() -> server().pushSparse(baseVersion, sequence, numElements, rows, values, n, half, loss,
                batchSize, weightsOut), baseVersion, numElements, weightsOut);
    }

    @Override
    public PushResult pushHalf(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                               float[] weightsOut) {
        return pushing(() -> server().pushHalf(baseVersion, sequence, gradient, loss, batchSize, weightsOut),
                baseVersion, gradient.length, weightsOut);
    }

    @Override
    public ServerStatus status() {
        return again(() -> server().status());
    }

    @Override
    public void deregister() {
        again(() -> {
            server().deregister();
            return null;
        });
    }

    @Override
    public void close() {
        for (ParameterClient c : servers) {
            c.close();
        }
    }

    private ParameterClient server() {
        return servers.get(current);
    }

    /** A push; after a move it is sent again, and ALREADY_EXISTS there means the standby has it. */
    private PushResult pushing(Supplier<PushResult> push, long baseVersion, int numElements, float[] weightsOut) {
        try {
            return push.get();
        } catch (StatusRuntimeException e) {
            moveOn(e);
        }
        pushesResent++;
        try {
            return push.get();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
                throw e;
            }
            pushesFoundTaken++;
            long version = awaitPast(baseVersion, weightsOut != null ? weightsOut : new float[numElements]);
            return new PushResult(version, Math.max(0, version - 1 - baseVersion), true);
        }
    }

    /** Pulls until the weights' version passes {@code baseVersion} (the push's round is complete). */
    private long awaitPast(long baseVersion, float[] out) {
        long deadline = System.nanoTime() + giveUpMillis * 1_000_000L;
        while (true) {
            long v = pull(out);
            if (v > baseVersion) {
                return v;
            }
            if (System.nanoTime() - deadline > 0) {
                throw Status.DEADLINE_EXCEEDED.withDescription("the standby at " + currentServer() + " did not pass "
                        + "version " + baseVersion + " within " + giveUpMillis + " ms").asRuntimeException();
            }
            sleep(2);
        }
    }

    /** A call other than a push: after a move, the same call again. */
    private <T> T again(Supplier<T> call) {
        try {
            return call.get();
        } catch (StatusRuntimeException e) {
            moveOn(e);
            return call.get();
        }
    }

    /**
     * On UNAVAILABLE with another server: tries the servers in turn, from the next one on, until one takes the
     * registration (a standby answers UNAVAILABLE while its primary is attached), with bounded backoff for up
     * to {@code giveUpMillis}; rethrows anything else.
     */
    private Registration moveOn(StatusRuntimeException e) {
        if (!lost(e) || servers.size() < 2) {
            throw e;
        }
        if (rank < 0) { // an observer (a monitor) registers nowhere: the next server, and the call again
            current = (current + 1) % servers.size();
            return null;
        }
        String from = currentServer();
        log.accept(String.format(Locale.ROOT, "lost %s (%s: %s); failing over", from, e.getStatus().getCode(),
                e.getStatus().getDescription()));
        long deadline = System.nanoTime() + giveUpMillis * 1_000_000L;
        backoff.reset();
        while (true) {
            current = (current + 1) % servers.size();
            try {
                Registration r = server().register(rank, name);
                if (layout != null) {
                    server().initialize(layout, initialWeights);
                }
                failovers++;
                log.accept(String.format(Locale.ROOT, "registered with %s (worker id %d) at version %d",
                        currentServer(), r.workerId(), r.version()));
                return r;
            } catch (StatusRuntimeException again) {
                long wait = backoff.next();
                if (again.getStatus().getCode() != Status.Code.UNAVAILABLE
                        || System.nanoTime() + wait * 1_000_000L - deadline > 0) {
                    throw again;
                }
                sleep(wait);
            }
        }
    }

    /**
     * The server is gone: unreachable (UNAVAILABLE, what a killed process's reset connection gives), or it
     * cancelled the call (CANCELLED: a server that shuts down at once resets the streams in flight).
     */
    private static boolean lost(StatusRuntimeException e) {
        Status.Code c = e.getStatus().getCode();
        return c == Status.Code.UNAVAILABLE || c == Status.Code.CANCELLED;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted while failing over").asRuntimeException();
        }
    }
}
