package dev.momentumps.worker.model;

/** Stable softmax cross-entropy on a logit vector, shared by the softmax models. */
final class Softmax {

    private Softmax() {
    }

    /** log Σ exp(z[c]) over {@code c < k}, shifted by the maximum so it cannot overflow. */
    static double logSumExp(double[] z, int k) {
        double max = z[0];
        for (int c = 1; c < k; c++) {
            max = Math.max(max, z[c]);
        }
        double s = 0;
        for (int c = 0; c < k; c++) {
            s += Math.exp(z[c] - max);
        }
        return max + Math.log(s);
    }

    /** The cross-entropy −log softmax(z)[label]. */
    static double crossEntropy(double[] z, int k, int label) {
        return logSumExp(z, k) - z[label];
    }

    /**
     * Returns the cross-entropy and overwrites {@code z[0..k)} with its gradient with respect to the
     * logits, softmax(z) − onehot(label).
     */
    static double crossEntropyGradient(double[] z, int k, int label) {
        double lse = logSumExp(z, k);
        double loss = lse - z[label];
        for (int c = 0; c < k; c++) {
            z[c] = Math.exp(z[c] - lse);
        }
        z[label] -= 1.0;
        return loss;
    }

    /** The index of the largest of {@code z[0..k)} (the first on ties). */
    static int argmax(double[] z, int k) {
        int best = 0;
        for (int c = 1; c < k; c++) {
            if (z[c] > z[best]) {
                best = c;
            }
        }
        return best;
    }
}
