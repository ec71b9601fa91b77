package dev.momentumps.server.core;

import dev.momentumps.wire.TensorLayout;

/**
 * Where the core reports every operation that changes its state, with its exact inputs, in the order it
 * takes them (each call is made while the core's lock is held), so a hot standby that applies the same
 * operations in the same order through its own core ends in the same state bit for bit: weights, every
 * optimizer state vector, the compensation's state, the version, and the worker registry with its clocks
 * and sequence numbers. Only operations that passed every check are reported; a refused request changes
 * nothing and is not reported.
 *
 * <p>An implementation copies what it needs at once (the arrays stay the core's and may change after the
 * call) and must not block. {@link #awaitReplicated} is what a transport calls, outside the core's lock,
 * before it answers a request, so a worker hears of nothing the standby does not have.
 */
public interface Replication {
    /** No standby: nothing is recorded, nothing is waited for. */
    Replication NONE = new Replication() {
        @Override
        public void registered(int workerId, int rank, String name) {
        }

        @Override
        public void deregistered(int workerId) {
        }

        @Override
        public void initialized(int workerId, TensorLayout layout, float[] weights) {
        }

        @Override
        public void pushed(int workerId, long baseVersion, long sequence, float[] gradient, double loss,
                           int batchSize, String path) {
        }

        @Override
        public void pushedSparse(int workerId, long baseVersion, long sequence, int[] rows, float[] values,
                                 double loss, int batchSize, String path) {
        }

        @Override
        public void pulled(int workerId, int[] rows, int n) {
        }

        @Override
        public void awaitReplicated() {
        }
    };

    /** {@link ParameterServerCore#register} gave {@code workerId} to this rank and name. */
    void registered(int workerId, int rank, String name);

    /** The worker left (deregistered, or its lease expired). */
    void deregistered(int workerId);

    /** The model was initialised with these weights. */
    void initialized(int workerId, TensorLayout layout, float[] weights);

    /**
     * A dense push was accepted; {@code gradient} is as the non-finite policy left it, before compensation;
     * {@code path} names the transport path it came by (null: none), which the standby counts as well.
     */
    void pushed(int workerId, long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                String path);

    /** A sparse push was accepted and is applied row by row ({@link ParameterServerCore#pushSparse}). */
    void pushedSparse(int workerId, long baseVersion, long sequence, int[] rows, float[] values, double loss,
                      int batchSize, String path);

    /**
     * A worker was sent weights while a staleness compensation records what each worker was sent: the whole
     * vector ({@code rows} null) or the rows {@code rows[0..n)}.
     */
    void pulled(int workerId, int[] rows, int n);

    /**
     * Waits until the standby has every operation reported so far (returns at once without a standby, or
     * when the standby is lost and the server goes on without it).
     */
    void awaitReplicated() throws InterruptedException;
}
