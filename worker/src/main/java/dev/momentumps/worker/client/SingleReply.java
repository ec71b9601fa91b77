package dev.momentumps.worker.client;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/** The one reply of a client-streaming call, as a future: a reply completes it, an error or silence fails it. */
final class SingleReply<T> implements StreamObserver<T> {
    private final CompletableFuture<T> future = new CompletableFuture<>();
    private final String call;

    /** @param call the RPC's name, for the error when the server ends the call without a reply */
    SingleReply(String call) {
        this.call = call;
    }

    @Override
    public void onNext(T value) {
        future.complete(value);
    }

    @Override
    public void onError(Throwable t) {
        future.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
        future.completeExceptionally(new IllegalStateException(call + " answered nothing"));
    }

    /** The reply; a failed call rethrows its status (see {@link Futures#await}). */
    T await(long timeoutMillis) {
        return Futures.await(future, timeoutMillis);
    }
}
