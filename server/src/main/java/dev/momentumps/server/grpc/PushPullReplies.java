package dev.momentumps.server.grpc;

import dev.momentumps.proto.PushPullReply;
import dev.momentumps.proto.WeightsHeader;
import dev.momentumps.wire.codec.TensorCodec;
import dev.momentumps.wire.frame.InlineFloats;

/**
 * How the server writes a {@code PushPull} reply, as {@link WeightsFrames} does for the streams: as a
 * protobuf message for any binding, or, on a binding whose marshaller knows {@link InlineFloats}, with the
 * weights by reference instead of copied into a byte[] first. The bytes on the wire are the same.
 *
 * @param <R> the reply's type on the binding (a supertype of {@link PushPullReply})
 */
@FunctionalInterface
interface PushPullReplies<R> {
    /** {@code header} with {@code weights[0, n)} inline; serialised in {@code onNext}, while the caller holds them still. */
    R withWeights(WeightsHeader header, float[] weights, int n);

    /** A reply without inline weights (a region's, a sparse one, a push that returns no weights), as is. */
    @SuppressWarnings("unchecked")
    default R reply(PushPullReply reply) {
        return (R) reply;
    }

    /** Plain protobuf messages (the generated binding, in-process servers). */
    PushPullReplies<PushPullReply> PROTO = (header, weights, n) -> PushPullReply.newBuilder().setHeader(header)
            .setWeights(TensorCodec.encodeBytes(weights, 0, n)).build();

    /** Weights by reference, for {@link FramedService#bind}'s marshaller. */
    PushPullReplies<Object> BY_REFERENCE = (header, weights, n) -> new InlineFloats(
            PushPullReply.newBuilder().setHeader(header).build(), PushPullReply.WEIGHTS_FIELD_NUMBER, weights, n);
}
