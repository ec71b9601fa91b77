package dev.momentumps.server.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Learning-rate schedules (hand values, torch's recorded values, parser errors) and gradient clipping. */
class ScheduleAndClippingTest {

    static void lrs(LearningRateSchedule s, long[] steps, double[] expected) {
        for (int i = 0; i < steps.length; i++) {
            Approx.assertClose(expected[i], s.lr(steps[i]), s + " at t=" + steps[i]);
        }
    }

    @Test
    void constant() {
        LearningRateSchedule s = LearningRateSchedules.parse("constant", 0.1f);
        assertEquals(0.1f, s.lr(1));
        assertEquals(0.1f, s.lr(1_000_000));
        assertEquals(0.1f, LearningRateSchedules.parse(null, 0.1f).lr(7));
        assertEquals(0.1f, LearningRateSchedules.parse("  ", 0.1f).lr(7));
    }

    @Test
    void stepLikeTorchStepLr() {
        // torch StepLR(step_size=3, gamma=0.5) from 0.1: epochs 0-2 → 0.1, 3-5 → 0.05, 6-8 → 0.025 (epoch = t − 1)
        lrs(LearningRateSchedules.parse("step:every=3,gamma=0.5", 0.1f), new long[] {1, 3, 4, 6, 7, 10},
                new double[] {0.1, 0.1, 0.05, 0.05, 0.025, 0.0125});
        // gamma defaults to torch's 0.1
        lrs(LearningRateSchedules.parse("step:every=2", 1f), new long[] {2, 3}, new double[] {1, 0.1});
    }

    @Test
    void cosineLikeTorchCosineAnnealingThenHoldsMin() {
        // torch CosineAnnealingLR(T_max=10, eta_min=0.001) from 0.1: lr = 0.001 + 0.099·(1 + cos(π·e/10))/2
        //   e=0 → 0.1; e=5 → 0.001 + 0.0495 = 0.0505; e=10 → 0.001; then we hold 0.001 (torch would rise)
        //   e=2 → 0.001 + 0.099·(1 + 0.809016994)/2 = 0.0905463412
        lrs(LearningRateSchedules.parse("cosine:steps=10,min=0.001", 0.1f), new long[] {1, 3, 6, 11, 12, 500},
                new double[] {0.1, 0.0905463412, 0.0505, 0.001, 0.001, 0.001});
        // min defaults to 0: e=8 of T_max=16 → 0.5·(1 + cos(π/2))/2 = 0.25
        lrs(LearningRateSchedules.parse("cosine:steps=16", 0.5f), new long[] {9, 17, 18}, new double[] {0.25, 0, 0});
    }

    @Test
    void warmupThenAnotherSchedule() {
        // 4 warm-up steps towards 0.1: 0.025, 0.05, 0.075, 0.1; then cosine restarted at its own step 1, so
        // t = 4 + c is cosine step c: t=7 → c=3 (e=2) 0.0905463412, t=10 → e=5 0.0505,
        // t=14 → e=9: 0.001 + 0.099·(1 + cos(0.9π))/2 = 0.001 + 0.099·0.0244717419 = 0.0034227024, t=15 → e=10 0.001
        LearningRateSchedule s = LearningRateSchedules.parse("warmup:steps=4,then=cosine:steps=10,min=0.001", 0.1f);
        lrs(s, new long[] {1, 2, 3, 4, 5, 7, 10, 14, 15, 16},
                new double[] {0.025, 0.05, 0.075, 0.1, 0.1, 0.0905463412, 0.0505, 0.0034227024, 0.001, 0.001});
        // without then=: warm up to the constant base
        lrs(LearningRateSchedules.parse("warmup:steps=2", 0.2f), new long[] {1, 2, 3, 100},
                new double[] {0.1, 0.2, 0.2, 0.2});
    }

    @Test
    void matchesTorchRecordedSchedules() throws Exception {
        List<String> lines = Files.readAllLines(TorchReferenceTest.dir().resolve("schedules.txt"),
                StandardCharsets.UTF_8);
        int checked = 0;
        for (String line : lines) {
            if (line.startsWith("#") || line.startsWith("torch ")) {
                continue;
            }
            String[] f = line.split(" ");
            LearningRateSchedule s = LearningRateSchedules.parse(f[0], Float.parseFloat(f[1]));
            long tMax = f[0].startsWith("cosine:") ? Long.parseLong(f[0].replaceAll(".*steps=(\\d+).*", "$1")) : -1;
            for (int i = 2; i < f.length; i++) {
                long t = i - 1;
                if (tMax >= 0 && t - 1 > tMax) {
                    break; // torch's cosine rises again after T_max; ours holds eta_min
                }
                Approx.assertClose(Double.parseDouble(f[i]), s.lr(t), f[0] + " at t=" + t);
                checked++;
            }
        }
        assertTrue(checked > 40, "checked " + checked);
    }

    @Test
    void parserErrorsNameTheProblem() {
        assertMessage("missing key 'every' in 'step'", "step");
        assertMessage("unknown key 'gama' for schedule 'step' in 'step:every=10,gama=0.5'; valid keys: every, gamma",
                "step:every=10,gama=0.5");
        assertMessage("steps must be an integer, got 'ten' in 'cosine:steps=ten'", "cosine:steps=ten");
        assertMessage("min must be a number, got 'low' in 'cosine:steps=10,min=low'", "cosine:steps=10,min=low");
        assertMessage("unknown schedule 'linear' in 'linear:steps=3'; valid schedules: constant, step, cosine, warmup",
                "linear:steps=3");
        assertMessage("expected key=value, got 'every' in 'step:every'", "step:every");
        assertMessage("every must be >= 1, got 0", "step:every=0");
        assertMessage("gamma must be in (0, 1], got 2.0", "step:every=5,gamma=2");
        assertMessage("min must be <= lr (0.1), got 0.5", "cosine:steps=5,min=0.5");
        assertMessage("unknown schedule 'bogus' in 'bogus'; valid schedules: constant, step, cosine, warmup",
                "warmup:steps=5,then=bogus");
        assertMessage("duplicate key 'every' in 'step:every=1,every=2'", "step:every=1,every=2");
        assertMessage("unknown key 'steps' for schedule 'constant' in 'constant:steps=1'; valid keys: (none)",
                "constant:steps=1");
    }

    static void assertMessage(String expected, String spec) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedules.parse(spec, 0.1f));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void factoryBuildsTheScheduleFromTheResolvedLr() {
        // adam's default lr 0.001, step decay by 0.5 every 10 steps
        LearningRateSchedule s = UpdateRules.schedule(
                OptimizerConfig.builder("adam").schedule("step:every=10,gamma=0.5").build());
        lrs(s, new long[] {10, 11}, new double[] {0.001, 0.0005});
    }

    @Test
    void clippingScalesByMaxNormOverNorm() {
        // ||[3, 4]|| = 5 > 1: scale = 1/(5 + 1e-6) = 0.19999996; g = [0.59999988, 0.79999984]
        float[] g = {3, 4};
        assertEquals(5.0, GradientClipping.clipByGlobalNorm(g, 1.0));
        Approx.assertClose(new double[] {3 / 5.000001, 4 / 5.000001}, g, "clipped");
        // ||[0.3, 0.4]|| = 0.5 <= 1: scale = 1/(0.5 + 1e-6) > 1, untouched
        float[] small = {0.3f, 0.4f};
        Approx.assertClose(0.5, GradientClipping.clipByGlobalNorm(small, 1.0), "norm");
        assertArrayEquals(new float[] {0.3f, 0.4f}, small);
        // the norm is accumulated in double: 3e20² would overflow float
        float[] big = {3e20f, 4e20f};
        Approx.assertClose(1, GradientClipping.clipByGlobalNorm(big, 5e20) / 5e20, "big norm");
        // a range: only [1, 3) counts and is scaled
        float[] r = {100, 3, 4, 100};
        assertEquals(5.0, GradientClipping.clipByGlobalNorm(r, 1, 3, 2.5));
        Approx.assertClose(new double[] {100, 1.5, 2.0, 100}, r, "range");
    }
}
