package dev.momentumps.server.grpc;

import dev.momentumps.wire.config.ConfigKeys;
import dev.momentumps.wire.frame.AliasingMarshaller;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A client stream of frames answered once at the end. The first refusal ends the call with its status and
 * the remaining frames are ignored, so nothing reaches the core from a bad stream.
 *
 * <p>A stream that sends no frame for {@code idleMillis} ({@code mps.streamIdleMs}) before it half-closes is
 * ended by the server with DEADLINE_EXCEEDED and releases what it holds ({@link #ended}: its admission grant),
 * so a client that opens a stream, sends a header (or part of a frame) and then nothing holds its share of
 * the in-flight budget for that long at most, not for as long as its connection lives. Once the client has
 * half-closed, the stream is no longer idle: the server answers (after a synchronous round, say) whatever
 * that takes.
 */
abstract class FrameReader<F, R> implements StreamObserver<F> {
    /** One daemon thread for every stream's idle check. */
    private static final ScheduledThreadPoolExecutor IDLE = idleTimer();

    private final StreamObserver<R> out;
    private final String what;
    private final long idleNanos;
    private boolean failed;
    private boolean halfClosed;
    private long lastFrame;
    private ScheduledFuture<?> idleCheck;

    /**
     * @param what       the call's name in the refusal ({@code push}, {@code initialize})
     * @param idleMillis the longest the client may send nothing before it half-closes
     */
    FrameReader(StreamObserver<R> out, String what, long idleMillis) {
        this.out = out;
        this.what = what;
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
        synchronized (this) {
            lastFrame = System.nanoTime();
            idleCheck = IDLE.schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
        }
    }

    private static ScheduledThreadPoolExecutor idleTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "mps-stream-idle");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true); // a finished stream's check leaves the queue at once
        return timer;
    }

    abstract void frame(F frame);

    /** The single reply; used by the default {@link #complete}. */
    R finish() throws InterruptedException {
        throw new UnsupportedOperationException();
    }

    /**
     * Called when the call ends, however it ends (answered, refused, cancelled, idle): release what it holds.
     * May be called more than once.
     */
    void ended() {
    }

    /** Answers once the client has half-closed. */
    void complete(StreamObserver<R> o) throws InterruptedException {
        o.onNext(finish());
        o.onCompleted();
    }

    @Override
    public final void onNext(F f) {
        try {
            synchronized (this) {
                if (!failed) {
                    lastFrame = System.nanoTime();
                    frame(f);
                }
            }
        } catch (RuntimeException e) {
            fail(e);
        } finally {
            // a frame parsed by AliasingMarshaller views Netty's buffers until released
            AliasingMarshaller.release(f);
        }
    }

    @Override
    public final void onError(Throwable t) {
        synchronized (this) {
            failed = true;
            idleCheck.cancel(false);
        }
        ended(); // cancelled by the client, or its connection is gone
    }

    @Override
    public final void onCompleted() {
        synchronized (this) {
            if (failed) {
                return;
            }
            halfClosed = true;
            idleCheck.cancel(false);
        }
        try {
            complete(out);
        } catch (Exception e) {
            fail(e);
        } finally {
            ended();
        }
    }

    private synchronized void fail(Exception e) {
        failed = true;
        idleCheck.cancel(false);
        ended();
        out.onError(Statuses.of(e));
    }

    /** On the timer's thread: ends the call when no frame came for {@link #idleNanos}, else looks again later. */
    private synchronized void checkIdle() {
        if (failed || halfClosed) {
            return;
        }
        long idle = System.nanoTime() - lastFrame;
        if (idle < idleNanos) {
            idleCheck = IDLE.schedule(this::checkIdle, idleNanos - idle, TimeUnit.NANOSECONDS);
            return;
        }
        failed = true;
        ended();
        out.onError(Status.DEADLINE_EXCEEDED.withDescription(what + ": no frame for "
                + TimeUnit.NANOSECONDS.toMillis(idle) + " ms before the stream was half-closed (at most "
                + TimeUnit.NANOSECONDS.toMillis(idleNanos) + " ms, " + ConfigKeys.STREAM_IDLE_MS.name()
                + "); the stream is closed and its memory released").asRuntimeException());
    }
}
