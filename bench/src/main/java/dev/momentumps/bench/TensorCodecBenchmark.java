package dev.momentumps.bench;

import com.google.protobuf.ByteString;
import dev.momentumps.proto.Chunk;
import dev.momentumps.wire.codec.TensorCodec;
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

/** Float32 to little-endian chunk bytes and back: the per-byte cost of the TCP path outside gRPC itself. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TensorCodecBenchmark {
    /** elements per chunk: 6 (a tiny model) and 262144 (the default 1 MiB chunk) */
    @Param({"6", "262144"})
    public int n;

    private float[] values;
    private float[] out;
    private ByteString bytes;

    @Setup
    public void setUp() {
        values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = i * 0.25f;
        }
        out = new float[n];
        bytes = TensorCodec.encodeBytes(values, 0, n);
    }

    @Benchmark
    public Chunk encode() {
        return TensorCodec.encode(values, 0, n);
    }

    @Benchmark
    public float decode() {
        TensorCodec.decode(bytes, out, 0);
        return out[n - 1];
    }
}
