package dev.momentumps.bench;

import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRule;
import dev.momentumps.server.optim.UpdateRules;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One update rule's apply over the whole vector on one thread (the kernel alone, without the store's
 * range split). GB/s of memory touched = (3 + 2k) × 4 × n / time for a rule with k state vectors
 * (momentum: 20 bytes per element, Adam: 28): compare with {@code mem_momentum_fused} of limits.sh.
 *
 * <p>Before measuring, three or four other rules run through the same call, as in a JVM that has run several rules: the
 * measured rule's loop is then compiled on its own, as the server compiles it, not inlined into this method
 * with the gradient's offset folded to a constant. At {@code n = 16384} everything sits in cache and
 * {@code time / n} is the loop's cost per element: about 0.2 ns for momentum and 0.5 for Adam when C2
 * vectorises it, four to eight times that when it runs scalar code.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class UpdateKernelBenchmark {
    @Param({"momentum", "nesterov", "adam", "sgd"})
    public String rule;

    @Param({"16384", "1000000", "10000000"})
    public int n;

    private UpdateRule r;
    private float[] w;
    private float[] g;
    private long t;

    @Setup
    public void setUp() {
        for (String other : new String[] {"sgd", "nesterov", "adagrad", "rmsprop"}) {
            if (!other.equals(rule)) {
                UpdateRule o = UpdateRules.create(OptimizerConfig.defaults(other));
                o.initialize(4096);
                float[] ow = new float[4096];
                float[] og = new float[4096];
                for (int t = 1; t <= 20_000; t++) {
                    o.apply(ow, og, 0, 4096, t, 1e-3f);
                }
            }
        }
        r = UpdateRules.create(OptimizerConfig.defaults(rule));
        r.initialize(n);
        w = new float[n];
        g = new float[n];
        Random random = new Random(1);
        for (int i = 0; i < n; i++) {
            g[i] = (float) (random.nextGaussian() * 1e-3);
        }
    }

    @Benchmark
    public float apply() {
        r.apply(w, g, 0, n, ++t, 1e-3f);
        return w[n >>> 1];
    }
}
