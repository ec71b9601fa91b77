package dev.momentumps.worker.client;

import dev.momentumps.proto.WeightsFrame;
import dev.momentumps.proto.WeightsHeader;
import dev.momentumps.wire.codec.ChunkAssembler;
import dev.momentumps.wire.frame.AliasingMarshaller;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/** Reads a reply stream of one header and optional weight chunks into a caller's buffer. */
final class WeightsReceiver implements StreamObserver<WeightsFrame> {
    private final float[] target;
    private final CompletableFuture<WeightsHeader> result = new CompletableFuture<>();
    private WeightsHeader header;
    private ChunkAssembler chunks;

    /** @param target where weight chunks go; null when none are expected */
    WeightsReceiver(float[] target) {
        this.target = target;
    }

    @Override
    public void onNext(WeightsFrame f) {
        try {
            if (f.hasHeader()) {
                header = f.getHeader();
                if (target != null && header.getNumElements() != target.length) {
                    throw Status.FAILED_PRECONDITION.withDescription("server sends " + header.getNumElements()
                            + " weights, this worker's model has " + target.length).asRuntimeException();
                }
                chunks = target == null ? null : ChunkAssembler.unchecked(target);
            } else if (chunks == null) {
                throw Status.INTERNAL.withDescription("weights arrived without a header or unasked")
                        .asRuntimeException();
            } else {
                chunks.accept(f.getChunk());
            }
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        } finally {
            // a frame parsed by AliasingMarshaller views Netty's buffers until released
            AliasingMarshaller.release(f);
        }
    }

    @Override
    public void onError(Throwable t) {
        result.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
        try {
            if (header == null) {
                throw Status.INTERNAL.withDescription("reply had no header").asRuntimeException();
            }
            if (chunks != null) {
                chunks.finish();
            }
            result.complete(header);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
    }

    /** The header, once the whole reply is in; a failed call rethrows its status. */
    WeightsHeader await(long timeoutMillis) {
        return Futures.await(result, timeoutMillis);
    }
}
