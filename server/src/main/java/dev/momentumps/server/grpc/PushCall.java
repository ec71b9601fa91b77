package dev.momentumps.server.grpc;

import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.GradientHeader;
import dev.momentumps.server.consistency.PushTicket;
import dev.momentumps.server.core.GradientSource;
import dev.momentumps.server.core.NonFinitePolicy;
import dev.momentumps.wire.codec.ChunkAssembler;
import dev.momentumps.wire.frame.FrameMarshallers;
import io.grpc.stub.StreamObserver;

/**
 * Push: a header, then dense chunks (float32 or float16) or sparse chunks; answered once the push is applied
 * or dropped, with the fresh weights as a stream of chunks when asked.
 */
final class PushCall {
    private final RpcSupport rpc;

    PushCall(RpcSupport rpc) {
        this.rpc = rpc;
    }

    /** Writes the reply frames with {@code frames} (see {@link FrameMarshallers#bind}). */
    <R> StreamObserver<GradientFrame> handle(StreamObserver<R> out, WeightsFrames<R> frames) {
        return new FrameReader<>(out, "push", rpc.streamIdleMillis) {
            private GradientHeader header;
            private ChunkAssembler chunks;
            private SparseStream sparse;
            private Admission.Grant grant;

            @Override
            void frame(GradientFrame f) {
                if (f.hasHeader()) {
                    if (header != null) {
                        throw RpcSupport.invalid("header: sent twice");
                    }
                    int n = rpc.numElements();
                    GradientHeader h = f.getHeader();
                    SparseStream.checkHeader(h, n);
                    // validated and admitted before anything model-sized is allocated for it
                    rpc.core.checkRegistered(h.getWorkerId());
                    grant = rpc.admission.admit(h.getWorkerId(), h.hasSparse() ? 8L * h.getSparse().getNumRows()
                            : 4L * n, "push");
                    header = h;
                    if (header.hasSparse()) {
                        sparse = new SparseStream(header, n, rpc.core.nonFinitePolicy() == NonFinitePolicy.REJECT);
                    } else {
                        chunks = new ChunkAssembler(rpc.buffers.take(n), header.getValueEncoding());
                    }
                } else if (header == null) {
                    throw RpcSupport.invalid("header: the first frame must be the header");
                } else if (sparse != null) {
                    if (!f.hasSparseChunk()) {
                        throw RpcSupport.invalid("chunk: a sparse push (header.sparse set) takes sparse_chunk frames only");
                    }
                    sparse.accept(f.getSparseChunk());
                } else if (f.hasSparseChunk()) {
                    throw RpcSupport.invalid("sparse_chunk: only in a sparse push (set header.sparse)");
                } else {
                    chunks.accept(f.getChunk());
                }
            }

            @Override
            void ended() {
                if (grant != null) {
                    grant.close();
                }
            }

            @Override
            void complete(StreamObserver<R> o) throws InterruptedException {
                if (header == null) {
                    throw RpcSupport.invalid("header: missing");
                }
                int id = header.getWorkerId();
                PushTicket ticket = sparse != null ? rpc.awaitOrThrow(id, sparse.submit(rpc.core, header))
                        : rpc.submit(header, GradientSource.of(chunks.finish(), chunks.knownFinite())
                                .via(PushPaths.Path.STREAM.wireName));
                grant.close(); // the gradient is applied: released before the reply, so the next push finds it free
                if (header.getReturnWeights()) {
                    rpc.awaitMayPull(id);
                    rpc.sendWeights(id, o, frames, RpcSupport.fate(ticket));
                } else {
                    o.onNext(frames.header(RpcSupport.fate(ticket).setVersion(ticket.version()).build()));
                    o.onCompleted();
                }
            }
        };
    }
}
