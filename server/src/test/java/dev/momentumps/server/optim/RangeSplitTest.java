package dev.momentumps.server.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** apply on [0,k) then [k,n) gives bit-identical weights and state to apply on [0,n), for every rule. */
class RangeSplitTest {

    static OptimizerConfig.Builder config(String name) {
        OptimizerConfig.Builder b = OptimizerConfig.builder(name);
        switch (name) {
            case "rmsprop":
                return b.beta(0.9).centered(true).weightDecay(0.01);
            case "adamw":
            case "easgd": // no weight decay: the pushed vectors are weights or displacements
            case "slowmo":
                return b;
            case "dana":
                return b.workers(2).weightDecay(0.01);
            default:
                return b.weightDecay(0.01);
        }
    }

    @Test
    void splitRangesEqualTheWholeRange() {
        int n = 37;
        for (String name : UpdateRules.names()) {
            for (int k : new int[] {0, 1, 13, 36, 37}) {
                UpdateRule whole = UpdateRules.create(config(name).build());
                UpdateRule split = UpdateRules.create(config(name).build());
                whole.initialize(n);
                split.initialize(n);
                Random rnd = new Random(42);
                float[] w1 = new float[n];
                for (int i = 0; i < n; i++) {
                    w1[i] = (float) rnd.nextGaussian();
                }
                float[] w2 = w1.clone();
                for (long t = 1; t <= 5; t++) {
                    float[] g = new float[n];
                    for (int i = 0; i < n; i++) {
                        g[i] = (float) rnd.nextGaussian();
                    }
                    float lr = 0.01f * t;
                    if (whole instanceof UpdateOrigin a && split instanceof UpdateOrigin b) {
                        // rules told where each gradient comes from (worker t % 2, computed on the current weights)
                        a.beforeUpdate((int) (t % 2), t - 1, t - 1, g, w1);
                        b.beforeUpdate((int) (t % 2), t - 1, t - 1, g, w2);
                    }
                    whole.apply(w1, g.clone(), 0, n, t, lr);
                    float[] g2 = g.clone();
                    split.apply(w2, g2, 0, k, t, lr);
                    split.apply(w2, g2, k, n, t, lr);
                }
                String what = name + " split at " + k;
                assertArrayEquals(w1, w2, what);
                for (Map.Entry<String, float[]> e : whole.state().entrySet()) {
                    assertArrayEquals(e.getValue(), split.state().get(e.getKey()), what + " state " + e.getKey());
                }
            }
        }
    }

    @Test
    void applyTouchesOnlyItsRange() {
        for (String name : UpdateRules.names()) {
            UpdateRule r = UpdateRules.create(config(name).build());
            r.initialize(6);
            float[] w = {1, 2, 3, 4, 5, 6};
            if (r instanceof UpdateOrigin o) {
                o.beforeUpdate(0, 0, 0, new float[6], w);
            }
            r.apply(w, new float[] {1, 1, 1, 1, 1, 1}, 2, 4, 1, 0.1f);
            assertArrayEquals(new float[] {1, 2}, new float[] {w[0], w[1]}, name);
            assertArrayEquals(new float[] {5, 6}, new float[] {w[4], w[5]}, name);
            for (float[] s : r.state().values()) {
                if (s.length != w.length) {
                    continue; // not per element (closed-loop momentum's control values and history)
                }
                assertArrayEquals(new float[] {0, 0}, new float[] {s[0], s[1]}, name);
                assertArrayEquals(new float[] {0, 0}, new float[] {s[4], s[5]}, name);
            }
        }
    }
}
