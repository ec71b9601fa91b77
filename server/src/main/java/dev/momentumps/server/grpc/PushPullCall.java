package dev.momentumps.server.grpc;

import com.google.protobuf.ByteString;
import dev.momentumps.proto.GradientHeader;
import dev.momentumps.proto.PushPullReply;
import dev.momentumps.proto.PushPullRequest;
import dev.momentumps.proto.ValueEncoding;
import dev.momentumps.proto.WeightsHeader;
import dev.momentumps.server.consistency.PushTicket;
import dev.momentumps.server.core.GradientSource;
import dev.momentumps.wire.codec.WireValues;
import dev.momentumps.wire.frame.FrameMarshallers;
import dev.momentumps.wire.shm.SharedRegion;
import io.grpc.stub.StreamObserver;

/**
 * PushPull: one unary call carrying the gradient inline (dense or sparse) or in the worker's shared region,
 * answered with the push's fate and, when asked, the fresh weights inline or through the region.
 */
final class PushPullCall {
    private final RpcSupport rpc;
    private final WorkerRegions regions;

    PushPullCall(RpcSupport rpc, WorkerRegions regions) {
        this.rpc = rpc;
        this.regions = regions;
    }

    /** Writes the reply with {@code replies} (see {@link FrameMarshallers#bind}). */
    <R> void handle(PushPullRequest request, StreamObserver<R> out, PushPullReplies<R> replies) {
        try {
            GradientHeader header = request.getHeader();
            SparseStream.refuseStreamFields(header);
            int n = rpc.numElements();
            switch (request.getPayloadCase()) {
                case GRADIENT -> inline(header, request.getGradient(), request.getGradientEncoding(), n, out, replies);
                case SHARED_REGION -> {
                    out.onNext(replies.reply(throughRegion(header, request.getSharedRegion(), n)));
                    out.onCompleted();
                }
                case SPARSE_GRADIENT -> {
                    out.onNext(replies.reply(SparsePushPull.answer(rpc, request)));
                    out.onCompleted();
                }
                default -> throw RpcSupport.invalid("payload: set gradient or shared_region");
            }
        } catch (Exception e) {
            out.onError(Statuses.of(e));
        }
    }

    /** A dense gradient inline; the weights go back serialised straight from the live array, no copy first. */
    private <R> void inline(GradientHeader header, ByteString data, ValueEncoding enc, int n, StreamObserver<R> out,
                            PushPullReplies<R> replies) throws InterruptedException {
        if (WireValues.count(data, enc) != n) {
            throw RpcSupport.invalid("gradient: " + data.size() + " bytes, expected "
                    + (long) n * WireValues.bytesPer(enc) + " (" + n + " " + enc + " values)");
        }
        float[] gradient = rpc.buffers.take(n);
        boolean knownFinite = WireValues.decodeChecked(data, enc, gradient, 0);
        PushTicket ticket = rpc.submit(header, GradientSource.of(gradient, knownFinite)
                .via(PushPaths.Path.UNARY.wireName));
        WeightsHeader.Builder h = RpcSupport.fate(ticket);
        int id = header.getWorkerId();
        if (header.getReturnWeights()) {
            rpc.awaitMayPull(id);
            // serialised inside onNext, under the core's lock
            rpc.core.pull(id, (weights, version) -> out.onNext(replies.withWeights(
                    h.setNumElements(n).setVersion(version).build(), weights, n)));
        } else {
            out.onNext(replies.reply(PushPullReply.newBuilder().setHeader(h.setVersion(ticket.version())).build()));
        }
        out.onCompleted();
    }

    /**
     * A gradient in the worker's region, which the core reads in place (or copies into a pooled array when
     * its update needs one); the fresh weights (if asked) are written back into the region.
     */
    private PushPullReply throughRegion(GradientHeader header, dev.momentumps.proto.SharedRegion spec, int n)
            throws InterruptedException {
        SharedRegion region = regions.of(header.getWorkerId(), spec, n);
        PushTicket ticket = rpc.submit(header, GradientSource.borrowed(region.gradient(), n, rpc.buffers::take)
                .via(PushPaths.Path.SHARED_MEMORY.wireName));
        return reply(header, ticket, region, n);
    }

    private PushPullReply reply(GradientHeader header, PushTicket ticket, SharedRegion region, int n)
            throws InterruptedException {
        WeightsHeader.Builder h = RpcSupport.fate(ticket);
        if (header.getReturnWeights()) {
            rpc.awaitMayPull(header.getWorkerId());
            h.setNumElements(n).setVersion(rpc.core.pull(header.getWorkerId(), region.weights()));
        } else {
            h.setVersion(ticket.version());
        }
        return PushPullReply.newBuilder().setHeader(h).build();
    }
}
