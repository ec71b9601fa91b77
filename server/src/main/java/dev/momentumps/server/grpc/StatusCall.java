package dev.momentumps.server.grpc;

import dev.momentumps.proto.StatusReply;
import dev.momentumps.proto.StatusRequest;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.ProtoMapping;
import io.grpc.stub.StreamObserver;

/** Status: the core's counters, per server and per worker. */
final class StatusCall {
    private final ParameterServerCore core;
    private final PushPaths paths;

    StatusCall(ParameterServerCore core, PushPaths paths) {
        this.core = core;
        this.paths = paths;
    }

    void handle(StatusRequest request, StreamObserver<StatusReply> out) {
        out.onNext(ProtoMapping.toProto(core.status().withPushesByPath(paths.snapshot())));
        out.onCompleted();
    }
}
