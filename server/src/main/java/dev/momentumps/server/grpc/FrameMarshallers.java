package dev.momentumps.server.grpc;

import com.google.protobuf.Message;
import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.PullRequest;
import dev.momentumps.proto.PushPullReply;
import dev.momentumps.proto.PushPullRequest;
import dev.momentumps.proto.WeightsFrame;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import java.io.InputStream;

/**
 * The tensor RPCs ({@code Push}, {@code Pull}, {@code PushPull}) bound with marshallers that copy each
 * tensor once: messages in are parsed aliasing Netty's buffers ({@link AliasingMarshaller}) and decoded
 * straight into the destination float[]; tensors out are {@link FloatChunkFrame}s and {@link InlineFloats}
 * serialised from the float[] into gRPC's buffers. No message-sized byte[] is made on either side. The wire
 * format is the proto's, byte for byte, so any gRPC client or server still talks to these. The other
 * methods keep the generated binding.
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

    /**
     * The service's definition with Push, Pull and PushPull bound to these marshallers. Only for transports
     * that serialise a message inside {@code onNext} (Netty): the replies reference the live weights, which
     * the core changes once {@code onNext} returns and its lock is let go.
     */
    public static ServerServiceDefinition bind(ParameterServerService service) {
        ServerServiceDefinition generated = service.bindService();
        MethodDescriptor<GradientFrame, Object> push = ParameterServerGrpc.getPushMethod()
                .toBuilder(GRADIENT_IN, WEIGHTS_OUT).build();
        MethodDescriptor<PullRequest, Object> pull = ParameterServerGrpc.getPullMethod()
                .toBuilder(ProtoUtils.marshaller(PullRequest.getDefaultInstance()), WEIGHTS_OUT).build();
        MethodDescriptor<PushPullRequest, Object> pushPull = ParameterServerGrpc.getPushPullMethod()
                .toBuilder(PUSH_PULL_IN, new Out<>(PushPullReply.getDefaultInstance())).build();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(ParameterServerGrpc.SERVICE_NAME)
                .setSchemaDescriptor(generated.getServiceDescriptor().getSchemaDescriptor());
        for (ServerMethodDefinition<?, ?> m : generated.getMethods()) {
            String name = m.getMethodDescriptor().getFullMethodName();
            if (name.equals(push.getFullMethodName())) {
                descriptor.addMethod(push);
            } else if (name.equals(pull.getFullMethodName())) {
                descriptor.addMethod(pull);
            } else if (name.equals(pushPull.getFullMethodName())) {
                descriptor.addMethod(pushPull);
            } else {
                descriptor.addMethod(m.getMethodDescriptor());
            }
        }
        ServerServiceDefinition.Builder def = ServerServiceDefinition.builder(descriptor.build());
        for (ServerMethodDefinition<?, ?> m : generated.getMethods()) {
            String name = m.getMethodDescriptor().getFullMethodName();
            if (name.equals(push.getFullMethodName())) {
                def.addMethod(push, ServerCalls.asyncBidiStreamingCall(
                        out -> service.push(out, WeightsFrames.BY_REFERENCE)));
            } else if (name.equals(pull.getFullMethodName())) {
                def.addMethod(pull, ServerCalls.asyncServerStreamingCall(
                        (request, out) -> service.pull(request, out, WeightsFrames.BY_REFERENCE)));
            } else if (name.equals(pushPull.getFullMethodName())) {
                def.addMethod(pushPull, ServerCalls.asyncUnaryCall((request, out) -> {
                    try {
                        service.pushPull(request, out, PushPullReplies.BY_REFERENCE);
                    } finally {
                        AliasingMarshaller.release(request);
                    }
                }));
            } else {
                def.addMethod(m);
            }
        }
        return def.build();
    }

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
