package dev.momentumps.server.grpc;

import dev.momentumps.proto.StatusReply;
import dev.momentumps.proto.StatusRequest;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.ProtoMapping;
import io.grpc.stub.StreamObserver;

/**
 * Status: the core's counters, per server and per worker; a reply lists the workers from the request's
 * first_worker on, as many as fit {@link ProtoMapping#STATUS_PAGE_BYTES}. A request {@code from_worker}
 * renews that worker's lease, so a worker waiting for the others to register ({@code --await-workers}) keeps
 * its registration however long it waits.
 */
final class StatusCall {
    private final ParameterServerCore core;

    StatusCall(ParameterServerCore core) {
        this.core = core;
    }

    void handle(StatusRequest request, StreamObserver<StatusReply> out) {
        try {
            if (request.getFromWorker()) {
                core.renewLease(request.getWorkerId());
            }
            out.onNext(ProtoMapping.statusPage(core.status(),
                    request.getFirstWorker(), ProtoMapping.STATUS_PAGE_BYTES));
            out.onCompleted();
        } catch (RuntimeException e) {
            out.onError(Statuses.of(e));
        }
    }
}
