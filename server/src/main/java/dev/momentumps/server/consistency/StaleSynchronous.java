package dev.momentumps.server.consistency;

import dev.momentumps.wire.ConsistencyKind;
import java.util.List;

/**
 * Stale synchronous parallel (SSP, Ho et al., "More Effective Distributed ML via a Stale Synchronous
 * Parallel Parameter Server", NIPS 2013) with staleness bound {@code s}.
 *
 * <p>A worker's clock c is the number of gradients it has pushed. Gradients are applied as they arrive (as
 * in {@link Asynchronous}); what is bounded is the read: a worker at clock c may pull only once the slowest
 * live worker has reached clock c − s, i.e. {@code clock(w) − minLiveClock ≤ s}. So the weights a worker
 * computes its (c+1)-th gradient on contain every gradient of every worker's first c − s clocks.
 *
 * <p><b>What that bounds, in server versions.</b> A worker reads at clock c when the minimum clock is at
 * least c − s. Until its gradient arrives, each of the other W − 1 workers can push at most up to its
 * clock c + s + 1 (it may not pull beyond min + s and the minimum is at most c), i.e. at most 2s + 1
 * gradients each, so every applied gradient has staleness τ ≤ (W − 1)(2s + 1) versions.
 *
 * <p><b>s = 0 behaves as BSP in Ho et al.'s sense:</b> no worker runs a clock ahead of another, and every
 * worker computes its c-th gradient on weights holding all gradients of clocks before c. (As in Ho et al., a
 * read may also already hold some gradients of clock c, if they arrived before it: the bound is a guarantee
 * of freshness, not a barrier.) When every worker reads before any gradient of its clock arrives, all read
 * the same weights, as in BSP. Unlike
 * {@link Synchronous} the W gradients of a clock are applied as W separate updates (τ from 0 to W − 1), not
 * as one averaged update: with plain SGD that is one BSP step whose learning rate is W·η (sum instead of
 * mean), up to float rounding. An unbounded s ({@link Integer#MAX_VALUE}) is ASP.
 */
public final class StaleSynchronous implements ConsistencyModel {
    private final int bound;

    /** @param bound the staleness bound s in clocks, >= 0 */
    public StaleSynchronous(int bound) {
        if (bound < 0) {
            throw new IllegalArgumentException("staleness bound must be >= 0, got " + bound);
        }
        this.bound = bound;
    }

    @Override
    public ConsistencyKind kind() {
        return ConsistencyKind.STALE_SYNCHRONOUS;
    }

    @Override
    public int stalenessBound() {
        return bound;
    }

    @Override
    public void submit(Submission submission, UpdateSink sink) {
        sink.apply(submission.gradient(), List.of(submission));
    }

    @Override
    public boolean mayPull(int workerId, Clocks clocks) {
        return clocks.clock(workerId) - clocks.minLiveClock() <= bound;
    }

    @Override
    public String toString() {
        return "ssp(s=" + bound + ")";
    }
}
