package dev.momentumps.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.momentumps.server.core.ParameterStore;
import dev.momentumps.server.core.RangeExecutor;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRule;
import dev.momentumps.server.optim.UpdateRules;
import dev.momentumps.wire.TensorLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mps bench apply}: the server-side update alone (the store's apply: the rule's loop over ranges on
 * the apply threads), in GB/s of memory touched. A rule with k state vectors reads g, w and its k state
 * vectors and writes w and the k state vectors: (3 + 2k) × 4 bytes per element (momentum: 5 × 4; Adam:
 * 7 × 4), the same counting as the C kernel of the machine-limits probe. Reports the best of the timed passes.
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "GB/s of memory touched by one update rule's apply over P floats.")
public final class ApplyBench implements Callable<Integer> {
    @Option(names = "--rule", paramLabel = "R", defaultValue = "momentum", description = "Update rule. Default: ${DEFAULT-VALUE}.")
    String rule = "momentum";
    @Option(names = "--params", paramLabel = "P", defaultValue = "10000000", description = "Default: ${DEFAULT-VALUE}.")
    int params = 10_000_000;
    @Option(names = "--threads", paramLabel = "T", defaultValue = "0", description = "Apply threads; 0: one per core.")
    int threads;
    @Option(names = "--seconds", paramLabel = "S", defaultValue = "3", description = "Timed seconds. Default: ${DEFAULT-VALUE}.")
    double seconds = 3;

    @Override
    public Integer call() throws Exception {
        System.out.println(new ObjectMapper().writeValueAsString(run()));
        return 0;
    }

    Map<String, Object> run() {
        if (params < 1 || threads < 0 || !(seconds > 0)) {
            throw new IllegalArgumentException("--params must be >= 1, --threads >= 0, --seconds > 0");
        }
        OptimizerConfig config = OptimizerConfig.defaults(rule);
        UpdateRule r = UpdateRules.create(config);
        int t = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        float[] g = new float[params];
        Random random = new Random(1);
        for (int i = 0; i < params; i++) {
            g[i] = (float) (random.nextGaussian() * 1e-3);
        }
        try (RangeExecutor executor = new RangeExecutor(t, 0)) { // --threads N: always split over N
            ParameterStore store = new ParameterStore(TensorLayout.builder().add("w", params).build(),
                    new float[params], r, UpdateRules.schedule(config), 0, executor);
            int stateVectors = r.state().size();
            double bytesPerElement = (3 + 2.0 * stateVectors) * Float.BYTES;
            long warmEnd = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < warmEnd) {
                store.apply(g);
            }
            long end = System.nanoTime() + Math.round(seconds * 1e9);
            long best = Long.MAX_VALUE;
            long total = 0;
            int passes = 0;
            while (System.nanoTime() < end || passes < 3) {
                long t0 = System.nanoTime();
                store.apply(g);
                long dt = System.nanoTime() - t0;
                best = Math.min(best, dt);
                total += dt;
                passes++;
            }
            float check = store.weights()[params / 2];
            if (!Float.isFinite(check)) {
                throw new IllegalStateException("weights went non-finite: " + check);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bench", "apply");
            out.put("rule", r.toString());
            out.put("params", params);
            out.put("threads", t);
            out.put("passes", passes);
            out.put("bytes_per_element", bytesPerElement);
            out.put("best_ms", TransportBench.round(best / 1e6, 3));
            out.put("gbytes_per_s", TransportBench.round(bytesPerElement * params / best, 2));
            out.put("mean_gbytes_per_s", TransportBench.round(bytesPerElement * params * passes / total, 2));
            return out;
        }
    }
}
