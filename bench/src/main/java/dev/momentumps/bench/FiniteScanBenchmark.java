package dev.momentumps.bench;

import dev.momentumps.wire.codec.FiniteScan;
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

/** The server's check that a pushed gradient is finite: blocked vector ops against one scalar pass. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FiniteScanBenchmark {
    @Param({"1000000"})
    public int n;

    private float[] gradient;

    @Setup
    public void setUp() {
        gradient = new float[n];
        Random r = new Random(1);
        for (int i = 0; i < n; i++) {
            gradient[i] = (float) r.nextGaussian();
        }
    }

    @Benchmark
    public boolean blocked() {
        return FiniteScan.allFinite(gradient);
    }

    @Benchmark
    public boolean scalar() {
        return FiniteScan.allFiniteScalar(gradient);
    }
}
