package dev.momentumps.server.grpc;

import dev.momentumps.proto.StatusReply;
import dev.momentumps.proto.StatusRequest;
import dev.momentumps.proto.WorkerStatus;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.ServerStatus;
import io.grpc.stub.StreamObserver;

/** Status: the core's counters, per server and per worker. */
final class StatusCall {
    private final ParameterServerCore core;

    StatusCall(ParameterServerCore core) {
        this.core = core;
    }

    void handle(StatusRequest request, StreamObserver<StatusReply> out) {
        ServerStatus s = core.status();
        StatusReply.Builder b = StatusReply.newBuilder()
                .setVersion(s.version())
                .setGradientsApplied(s.gradientsApplied())
                .setGradientsDropped(s.gradientsDropped())
                .setInitialized(s.initialized())
                .setMode(RegisterCall.toProto(s.mode()))
                .setStalenessBound(s.stalenessBound())
                .setUpdateRule(s.updateRule())
                .setNumElements(s.numElements())
                .setMeanStaleness(s.staleness().mean())
                .setMaxStaleness(s.staleness().max())
                .setRecentLoss(s.recentLoss());
        for (long c : s.staleness().histogram()) {
            b.addStalenessHistogram(c);
        }
        for (ServerStatus.Worker w : s.workers()) {
            WorkerStatus.Builder ws = WorkerStatus.newBuilder().setWorkerId(w.id()).setRank(w.rank())
                    .setName(w.name()).setPushes(w.pushes()).setAlive(w.alive()).setMeanStaleness(w.meanStaleness())
                    .setMaxStaleness(w.maxStaleness());
            for (long count : w.stalenessHistogram()) {
                ws.addStalenessHistogram(count);
            }
            b.addWorkers(ws);
        }
        out.onNext(b.build());
        out.onCompleted();
    }
}
