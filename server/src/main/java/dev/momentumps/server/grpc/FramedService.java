package dev.momentumps.server.grpc;

import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.PullRequest;
import dev.momentumps.proto.PushPullRequest;
import dev.momentumps.wire.frame.AliasingMarshaller;
import dev.momentumps.wire.frame.FrameMarshallers;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCalls;

/**
 * The service bound with {@link FrameMarshallers}' server descriptors for Push, Pull and PushPull, so each
 * tensor is copied once on the way in and out; the other methods keep the generated binding.
 */
public final class FramedService {
    private FramedService() {
    }

    /**
     * The service's definition with Push, Pull and PushPull bound to those descriptors. Only for transports
     * that serialise a message inside {@code onNext} (Netty): the replies reference the live weights, which
     * the core changes once {@code onNext} returns and its lock is let go.
     */
    public static ServerServiceDefinition bind(ParameterServerService service) {
        ServerServiceDefinition generated = service.bindService();
        MethodDescriptor<GradientFrame, Object> push = FrameMarshallers.SERVER_PUSH;
        MethodDescriptor<PullRequest, Object> pull = FrameMarshallers.SERVER_PULL;
        MethodDescriptor<PushPullRequest, Object> pushPull = FrameMarshallers.SERVER_PUSH_PULL;
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
}
