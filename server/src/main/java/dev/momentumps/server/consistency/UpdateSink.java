package dev.momentumps.server.consistency;

import java.util.List;

/** Where a consistency model sends its decisions; implemented by the core. */
public interface UpdateSink {

    /**
     * Applies one update with {@code gradient} (the rule may overwrite it) on behalf of the contributors:
     * records each one's staleness and completes its ticket with the new version.
     */
    void apply(float[] gradient, List<Submission> contributors);

    /** Completes the submission's ticket as dropped (not applied), counting it. */
    void drop(Submission submission);

    /** The server's current version. */
    long version();

    /** The workers' clocks and liveness. */
    Clocks clocks();

    /** A scratch vector of the model's size, owned by the caller until it passes it to {@link #apply}. */
    float[] newBuffer();
}
