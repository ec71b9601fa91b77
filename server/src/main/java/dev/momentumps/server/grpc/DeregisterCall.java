package dev.momentumps.server.grpc;

import dev.momentumps.proto.DeregisterReply;
import dev.momentumps.proto.DeregisterRequest;
import dev.momentumps.server.core.ParameterServerCore;
import io.grpc.stub.StreamObserver;

/** Deregister: the worker leaves (synchronous rounds stop waiting for it) and its region is let go. */
final class DeregisterCall {
    private final ParameterServerCore core;
    private final WorkerRegions regions;

    DeregisterCall(ParameterServerCore core, WorkerRegions regions) {
        this.core = core;
        this.regions = regions;
    }

    void handle(DeregisterRequest request, StreamObserver<DeregisterReply> out) {
        try {
            core.deregister(request.getWorkerId());
            RpcSupport.replicated(core);
            regions.remove(request.getWorkerId());
            out.onNext(DeregisterReply.getDefaultInstance());
            out.onCompleted();
        } catch (RuntimeException e) {
            out.onError(Statuses.of(e));
        }
    }
}
