package dev.momentumps.server.compensation;

/**
 * What the compensations that measure how far the weights moved share: the weights the server last sent
 * each worker (θ_stale of its next gradient, {@link SentWeights}), kept up to date from whole sends and
 * from sparse ones. DC-ASGD, Gap-Aware and the gap meter read them in {@link #adjustGradient}.
 */
abstract class SentWeightsCompensation implements StalenessCompensation {
    /** The weights each worker was last sent. */
    protected final SentWeights sent = new SentWeights();

    @Override
    public final void onSent(int workerId, float[] weights) {
        sent.record(workerId, weights);
    }

    /**
     * Only the rows sent change in the worker's copy, so only they change here. A worker that has no copy yet
     * (it never got the whole weights) keeps none: its other rows are not known here.
     */
    @Override
    public final void onSentRows(int workerId, int[] rows, int n, float[] values) {
        sent.recordRows(workerId, rows, n, values);
    }
}
