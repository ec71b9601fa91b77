package dev.momentumps.server.grpc;

import dev.momentumps.wire.frame.AliasingMarshaller;
import io.grpc.stub.StreamObserver;

/**
 * A client stream of frames answered once at the end. The first refusal ends the call with its status and
 * the remaining frames are ignored, so nothing reaches the core from a bad stream.
 */
abstract class FrameReader<F, R> implements StreamObserver<F> {
    private final StreamObserver<R> out;
    private boolean failed;

    FrameReader(StreamObserver<R> out) {
        this.out = out;
    }

    abstract void frame(F frame);

    /** The single reply; used by the default {@link #complete}. */
    R finish() throws InterruptedException {
        throw new UnsupportedOperationException();
    }

    /** Called once when the call ends, however it ends (answered, refused, cancelled): release what it holds. */
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
            if (!failed) {
                frame(f);
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
        failed = true;
        ended(); // cancelled by the client, or its connection is gone
    }

    @Override
    public final void onCompleted() {
        if (failed) {
            return;
        }
        try {
            complete(out);
        } catch (Exception e) {
            fail(e);
        } finally {
            ended();
        }
    }

    private void fail(Exception e) {
        failed = true;
        ended();
        out.onError(Statuses.of(e));
    }
}
