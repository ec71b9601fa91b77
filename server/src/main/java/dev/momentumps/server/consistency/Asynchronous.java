package dev.momentumps.server.consistency;

import dev.momentumps.wire.ConsistencyKind;
import java.util.List;

/**
 * Asynchronous parallel (ASP, "Hogwild"-style on a server): every gradient is applied the moment it
 * arrives, whatever version it was computed on. Staleness is whatever the cluster's timing makes it.
 */
public final class Asynchronous implements ConsistencyModel {

    @Override
    public ConsistencyKind kind() {
        return ConsistencyKind.ASYNCHRONOUS;
    }

    @Override
    public void submit(Submission submission, UpdateSink sink) {
        sink.apply(submission.gradient(), List.of(submission));
    }

    @Override
    public String toString() {
        return "async";
    }
}
