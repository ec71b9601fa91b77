package dev.momentumps.wire.frame;

import com.google.protobuf.Message;
import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.PullRequest;
import dev.momentumps.proto.PushPullReply;
import dev.momentumps.proto.PushPullRequest;
import dev.momentumps.proto.WeightsFrame;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import java.io.InputStream;

/**
 * Method descriptors for the tensor RPCs ({@code Push}, {@code Pull}, {@code PushPull}) with marshallers that copy each
 * tensor once: messages in are parsed aliasing Netty's buffers ({@link AliasingMarshaller}) and decoded
 * straight into the destination float[]; tensors out are {@link FloatChunkFrame}s and {@link InlineFloats}
 * serialised from the float[] into gRPC's buffers. No message-sized byte[] is made on either side. The wire
 * format is the proto's, byte for byte, so any gRPC client or server still talks to these. The client uses
 * {@link #PUSH}, {@link #PULL} and {@link #PUSH_PULL}; the server binds the {@code SERVER_} descriptors.
 */
public final class FrameMarshallers {
    /** GradientFrame in, zero-copy when the transport allows. */
    public static final AliasingMarshaller<GradientFrame> GRADIENT_IN =
            new AliasingMarshaller<>(GradientFrame.getDefaultInstance());
    /** WeightsFrame in, zero-copy when the transport allows. */
    public static final AliasingMarshaller<WeightsFrame> WEIGHTS_IN =
            new AliasingMarshaller<>(WeightsFrame.getDefaultInstance());
    /** GradientFrame or {@link FloatChunkFrame} out. */
    public static final MethodDescriptor.Marshaller<Object> GRADIENT_OUT = new Out<>(GradientFrame.getDefaultInstance());
    /** WeightsFrame or {@link FloatChunkFrame} out. */
    public static final MethodDescriptor.Marshaller<Object> WEIGHTS_OUT = new Out<>(WeightsFrame.getDefaultInstance());

    /** Client side of Push: requests are GradientFrames or {@link FloatChunkFrame}s. */
    public static final MethodDescriptor<Object, WeightsFrame> PUSH =
            ParameterServerGrpc.getPushMethod().toBuilder(GRADIENT_OUT, WEIGHTS_IN).build();
    /** PushPullRequest in, zero-copy when the transport allows. */
    public static final AliasingMarshaller<PushPullRequest> PUSH_PULL_IN =
            new AliasingMarshaller<>(PushPullRequest.getDefaultInstance());
    /** PushPullReply in, zero-copy when the transport allows. */
    public static final AliasingMarshaller<PushPullReply> PUSH_PULL_REPLY_IN =
            new AliasingMarshaller<>(PushPullReply.getDefaultInstance());

    /**
     * Client side of PushPull: requests are PushPullRequests or {@link InlineFloats}; the reply may view the
     * transport's buffers, so the caller must {@link AliasingMarshaller#release} it.
     */
    public static final MethodDescriptor<Object, PushPullReply> PUSH_PULL = ParameterServerGrpc.getPushPullMethod()
            .toBuilder(new Out<>(PushPullRequest.getDefaultInstance()), PUSH_PULL_REPLY_IN).build();
    /** Client side of Pull. */
    public static final MethodDescriptor<PullRequest, WeightsFrame> PULL = ParameterServerGrpc.getPullMethod()
            .toBuilder(ProtoUtils.marshaller(PullRequest.getDefaultInstance()), WEIGHTS_IN).build();

    private FrameMarshallers() {
    }

    /** Server side of Push: GradientFrames in (aliasing), WeightsFrames or {@link FloatChunkFrame}s out. */
    public static final MethodDescriptor<GradientFrame, Object> SERVER_PUSH = ParameterServerGrpc.getPushMethod()
            .toBuilder(GRADIENT_IN, WEIGHTS_OUT).build();
    /** Server side of Pull: WeightsFrames or {@link FloatChunkFrame}s out. */
    public static final MethodDescriptor<PullRequest, Object> SERVER_PULL = ParameterServerGrpc.getPullMethod()
            .toBuilder(ProtoUtils.marshaller(PullRequest.getDefaultInstance()), WEIGHTS_OUT).build();
    /** Server side of PushPull: PushPullRequests in (aliasing), PushPullReplies or {@link InlineFloats} out. */
    public static final MethodDescriptor<PushPullRequest, Object> SERVER_PUSH_PULL = ParameterServerGrpc
            .getPushPullMethod().toBuilder(PUSH_PULL_IN, new Out<>(PushPullReply.getDefaultInstance())).build();

    /** Serialises {@link FloatChunkFrame}s and {@link InlineFloats} itself and any other message with protobuf. */
    private static final class Out<M extends Message> implements MethodDescriptor.Marshaller<Object> {
        private final MethodDescriptor.Marshaller<M> plain;

        Out(M defaultInstance) {
            this.plain = ProtoUtils.marshaller(defaultInstance);
        }

        @Override
        @SuppressWarnings("unchecked")
        public InputStream stream(Object value) {
            if (value instanceof FloatChunkFrame f) {
                return f.stream();
            }
            if (value instanceof InlineFloats m) {
                return m.stream();
            }
            return plain.stream((M) value);
        }

        @Override
        public Object parse(InputStream stream) {
            return plain.parse(stream);
        }
    }
}
