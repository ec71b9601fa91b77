package dev.momentumps.server.grpc;

import dev.momentumps.proto.PullRequest;
import dev.momentumps.proto.WeightsHeader;
import dev.momentumps.wire.frame.FrameMarshallers;
import io.grpc.stub.StreamObserver;

/** Pull: the weights this worker is sent, once SSP lets it pull, as a stream of chunks. */
final class PullCall {
    private final RpcSupport rpc;

    PullCall(RpcSupport rpc) {
        this.rpc = rpc;
    }

    /** Writes the reply frames with {@code frames} (see {@link FrameMarshallers#bind}). */
    <R> void handle(PullRequest request, StreamObserver<R> out, WeightsFrames<R> frames) {
        try {
            int id = request.getWorkerId();
            rpc.awaitMayPull(id);
            rpc.replicated();
            rpc.sendWeights(id, out, frames, WeightsHeader.newBuilder());
        } catch (Exception e) {
            out.onError(Statuses.of(e));
        }
    }
}
