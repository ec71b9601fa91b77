package dev.momentumps.server.core;

import dev.momentumps.server.optim.UpdateRule;
import java.util.Map;

/** w ← w − lr·g, for core tests that must not depend on the optimizer package. */
public class FixtureRule implements UpdateRule {
    @Override
    public void initialize(int n) {
    }

    @Override
    public void apply(float[] w, float[] g, int from, int to, long t, float lr) {
        for (int i = from; i < to; i++) {
            w[i] -= lr * g[i];
        }
    }

    @Override
    public float learningRate() {
        return 0.5f;
    }

    @Override
    public String name() {
        return "fixture";
    }

    @Override
    public Map<String, float[]> state() {
        return Map.of();
    }

    @Override
    public String toString() {
        return "fixture(lr=0.5)";
    }
}
