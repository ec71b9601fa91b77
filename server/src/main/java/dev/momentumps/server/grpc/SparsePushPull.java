package dev.momentumps.server.grpc;

import com.google.protobuf.ByteString;
import dev.momentumps.proto.GradientHeader;
import dev.momentumps.proto.PushPullReply;
import dev.momentumps.proto.PushPullRequest;
import dev.momentumps.proto.SparseGradient;
import dev.momentumps.proto.WeightsHeader;
import dev.momentumps.server.consistency.PushTicket;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.codec.TensorCodec;
import dev.momentumps.wire.codec.WireValues;

/**
 * The {@code PushPull} call with a {@link SparseGradient}: decodes the indices and values, hands them to
 * {@link ParameterServerCore#pushSparse} (which checks them), and answers with the whole fresh weights or,
 * with {@code sparse_reply}, only the pushed rows' weights.
 */
final class SparsePushPull {
    private SparsePushPull() {
    }

    /** Applies a sparse PushPull and returns its reply. */
    static PushPullReply answer(RpcSupport rpc, PushPullRequest request) throws InterruptedException {
        ParameterServerCore core = rpc.core;
        GradientHeader header = request.getHeader();
        SparseGradient sparse = request.getSparseGradient();
        int[] rows = WireValues.decodeIndices(sparse.getIndices());
        if (rows == null) {
            throw new RequestException(RequestException.Reason.INVALID_ARGUMENT, "sparse_gradient.indices: " + sparse.getIndices().size()
                    + " bytes, not a whole number of int32 values");
        }
        int count = WireValues.count(sparse.getValues(), sparse.getEncoding());
        if (count != rows.length) {
            throw new RequestException(RequestException.Reason.INVALID_ARGUMENT, "sparse_gradient.values: " + sparse.getValues().size() + " bytes, expected "
                    + (long) rows.length * WireValues.bytesPer(sparse.getEncoding()) + " (one "
                    + sparse.getEncoding() + " value per index, " + rows.length + " indices)");
        }
        float[] values = new float[count];
        WireValues.decode(sparse.getValues(), sparse.getEncoding(), values);
        int id = header.getWorkerId();
        PushTicket ticket = rpc.awaitOrThrow(id, core.pushSparse(id, header.getBaseVersion(), header.getSequence(),
                rows, values, header.getLoss(), header.getBatchSize(), PushPaths.Path.SPARSE.wireName));
        WeightsHeader.Builder h = RpcSupport.fate(ticket);
        PushPullReply.Builder reply = PushPullReply.newBuilder();
        if (header.getReturnWeights()) {
            rpc.awaitMayPull(id);
            float[] weights;
            if (request.getSparseReply()) {
                weights = new float[rows.length];
                h.setVersion(core.pullRows(id, rows, rows.length, weights));
            } else {
                weights = new float[core.layout().numElements()];
                h.setVersion(core.pull(id, weights));
            }
            h.setNumElements(core.layout().numElements());
            reply.setWeights(encode(weights));
        } else {
            h.setVersion(ticket.version());
        }
        return reply.setHeader(h).build();
    }

    private static ByteString encode(float[] weights) {
        return TensorCodec.encodeBytes(weights, 0, weights.length);
    }
}
