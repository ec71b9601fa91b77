package dev.momentumps.server.core;

/**
 * A part of the server with state of its own that a checkpoint must carry, such as a staleness-compensation
 * scheme's per-worker weight backups (DC-ASGD). The core saves and restores every part registered with
 * {@link ParameterServerCore#addCheckpointable}, and its consistency model if that implements this
 * interface. Both methods are called with the core's lock held.
 */
public interface Checkpointable {

    /** A stable, unique key naming this part in the checkpoint file, e.g. {@code "dc-asgd"}. */
    String checkpointKey();

    /** The part's state as bytes (any encoding the part can read back). */
    byte[] saveState();

    /** Puts back what {@link #saveState} returned; the model is already initialised with the saved layout. */
    void restoreState(byte[] state);
}
