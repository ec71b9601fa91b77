package dev.momentumps.server.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays the trajectories recorded from torch 1.13 by {@code src/test/python/torch_reference.py} (one
 * file per case in {@code torch-reference/}): the same gradients go through our rule, built by
 * {@link UpdateRules#create} from the file's hyper-parameters, and every weight after every step must be
 * within 1e-6 · max(1, |torch|) of torch's. The weights evolve on our side (we do not reset them to
 * torch's), so any divergence in the optimizer state shows up.
 */
class TorchReferenceTest {

    static Path dir() throws URISyntaxException {
        return Paths.get(TorchReferenceTest.class.getResource("/torch-reference").toURI());
    }

    static List<Path> cases() throws IOException, URISyntaxException {
        try (Stream<Path> s = Files.list(dir())) {
            return s.filter(p -> p.getFileName().toString().endsWith(".txt"))
                    .filter(p -> !p.getFileName().toString().equals("schedules.txt"))
                    .sorted().collect(Collectors.toList());
        }
    }

    /**
     * Rules torch has no optimizer for: the methods built for asynchrony. nag's look-ahead weights are checked
     * against torch's nesterov=True form in AsyncRulesTest; all three have hand-computed steps there, easgd and
     * slowmo in OuterStepRulesTest.
     */
    static final java.util.Set<String> NO_TORCH_OPTIMIZER = java.util.Set.of("nag", "dana", "closed-loop", "easgd",
            "slowmo");

    @Test
    void everyRuleHasATorchReference() throws Exception {
        List<String> rules = new ArrayList<>();
        for (Path p : cases()) {
            rules.add(Trajectory.read(p).config.rule());
        }
        for (String name : UpdateRules.names()) {
            if (NO_TORCH_OPTIMIZER.contains(name)) {
                continue;
            }
            assertTrue(rules.contains(name), "no torch reference for " + name);
        }
    }

    @TestFactory
    List<DynamicTest> matchesTorch() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path p : cases()) {
            tests.add(DynamicTest.dynamicTest(p.getFileName().toString(), () -> replay(Trajectory.read(p))));
        }
        assertFalse(tests.isEmpty());
        return tests;
    }

    private static void replay(Trajectory tr) {
        UpdateRule rule = UpdateRules.create(tr.config);
        LearningRateSchedule schedule = UpdateRules.schedule(tr.config);
        rule.initialize(tr.w0.length);
        float[] w = tr.w0.clone();
        double worst = 0;
        for (int s = 0; s < tr.steps.size(); s++) {
            Trajectory.Step step = tr.steps.get(s);
            long t = s + 1;
            float lr = schedule.lr(t);
            Approx.assertClose(step.lr, lr, tr.name + " lr at step " + t);
            rule.apply(w, step.g.clone(), 0, w.length, t, lr);
            Approx.assertClose(step.w, w, tr.name + " w after step " + t);
            for (int i = 0; i < w.length; i++) {
                worst = Math.max(worst, Approx.error(step.w[i], w[i]));
            }
        }
        assertEquals(20, tr.steps.size(), tr.name + " steps");
        System.out.printf("torch-reference %-32s %s: max error %.3g%n", tr.name, rule, worst);
    }

    /** One recorded case; see the generator's docstring for the format. */
    static final class Trajectory {
        String name;
        OptimizerConfig config;
        float[] w0;
        final List<Step> steps = new ArrayList<>();

        static final class Step {
            double lr;
            float[] g;
            double[] w;
        }

        static Trajectory read(Path p) throws IOException {
            Trajectory tr = new Trajectory();
            tr.name = p.getFileName().toString().replace(".txt", "");
            OptimizerConfig.Builder b = null;
            int n = -1;
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.trim().split("\\s+");
                switch (f[0]) {
                    case "torch":
                        break;
                    case "rule":
                        b = OptimizerConfig.builder(f[1]);
                        break;
                    case "lr":
                        b.lr(Double.parseDouble(f[1]));
                        break;
                    case "beta":
                        b.beta(Double.parseDouble(f[1]));
                        break;
                    case "beta1":
                        b.beta1(Double.parseDouble(f[1]));
                        break;
                    case "beta2":
                        b.beta2(Double.parseDouble(f[1]));
                        break;
                    case "eps":
                        b.eps(Double.parseDouble(f[1]));
                        break;
                    case "rho":
                        b.rho(Double.parseDouble(f[1]));
                        break;
                    case "alpha":
                        b.alpha(Double.parseDouble(f[1]));
                        break;
                    case "weight_decay":
                        b.weightDecay(Double.parseDouble(f[1]));
                        break;
                    case "lr_decay":
                        b.lrDecay(Double.parseDouble(f[1]));
                        break;
                    case "centered":
                        b.centered(Boolean.parseBoolean(f[1]));
                        break;
                    case "allow_negative_momentum":
                        b.allowNegativeMomentum(Boolean.parseBoolean(f[1]));
                        break;
                    case "schedule":
                        b.schedule(f[1]);
                        break;
                    case "n":
                        n = Integer.parseInt(f[1]);
                        break;
                    case "w0":
                        tr.w0 = floats(f, 1, n);
                        break;
                    case "step": {
                        // step <t> <lr> g <n floats> w <n floats>
                        Step s = new Step();
                        assertEquals(tr.steps.size() + 1, Integer.parseInt(f[1]), p + ": step order");
                        s.lr = Double.parseDouble(f[2]);
                        assertEquals("g", f[3], p + ": format");
                        s.g = floats(f, 4, n);
                        assertEquals("w", f[4 + n], p + ": format");
                        float[] w = floats(f, 5 + n, n);
                        s.w = new double[n];
                        for (int i = 0; i < n; i++) {
                            s.w[i] = w[i];
                        }
                        tr.steps.add(s);
                        break;
                    }
                    default:
                        throw new IllegalArgumentException(p + ": unknown key " + f[0]);
                }
            }
            tr.config = b.build();
            return tr;
        }

        private static float[] floats(String[] f, int from, int n) {
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                out[i] = Float.parseFloat(f[from + i]);
            }
            return out;
        }
    }
}
