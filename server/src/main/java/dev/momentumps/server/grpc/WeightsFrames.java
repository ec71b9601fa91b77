package dev.momentumps.server.grpc;

import dev.momentumps.proto.WeightsFrame;
import dev.momentumps.proto.WeightsHeader;
import dev.momentumps.wire.codec.TensorCodec;
import dev.momentumps.wire.frame.FloatChunkFrame;

/**
 * How the server writes the frames of a weights reply ({@code Pull}, {@code Push}): as protobuf messages for
 * any binding, or, on a binding whose marshaller knows {@link FloatChunkFrame}, chunks that reference the
 * weights instead of copying them into a byte[] first. The bytes on the wire are the same.
 *
 * @param <R> the reply stream's element type
 */
interface WeightsFrames<R> {
    R header(WeightsHeader header);

    R chunk(float[] values, int from, int count);

    /** Plain protobuf messages (the generated binding, in-process servers). */
    WeightsFrames<WeightsFrame> PROTO = new WeightsFrames<>() {
        @Override
        public WeightsFrame header(WeightsHeader header) {
            return WeightsFrame.newBuilder().setHeader(header).build();
        }

        @Override
        public WeightsFrame chunk(float[] values, int from, int count) {
            return WeightsFrame.newBuilder().setChunk(TensorCodec.encode(values, from, count)).build();
        }
    };

    /** Chunks by reference, for {@link FramedService#bind}'s marshaller. */
    WeightsFrames<Object> BY_REFERENCE = new WeightsFrames<>() {
        @Override
        public Object header(WeightsHeader header) {
            return PROTO.header(header);
        }

        @Override
        public Object chunk(float[] values, int from, int count) {
            return new FloatChunkFrame(values, from, count);
        }
    };
}
