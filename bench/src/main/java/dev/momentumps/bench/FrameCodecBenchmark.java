package dev.momentumps.bench;

import dev.momentumps.proto.GradientFrame;
import dev.momentumps.wire.codec.TensorCodec;
import dev.momentumps.wire.frame.AliasingMarshaller;
import dev.momentumps.wire.frame.FloatChunkFrame;
import dev.momentumps.wire.frame.FrameMarshallers;
import io.grpc.Drainable;
import io.grpc.MethodDescriptor;
import io.grpc.internal.CompositeReadableBuffer;
import io.grpc.internal.ReadableBuffers;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One 1 MiB chunk frame through gRPC's marshalling, the way the TCP Push/Pull moves it: out, from the
 * float[] into the transport's buffer (protobuf's message vs {@link FloatChunkFrame}); in, from the
 * transport's buffers (direct, 16 KiB HTTP/2 frames) into the float[] (protobuf's parse vs
 * {@link AliasingMarshaller}). Time per chunk; divide 1 MiB by it for GB/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrameCodecBenchmark {
    private static final int N = 1 << 18;
    private static final int PIECE = 16 << 10;
    private static final MethodDescriptor.Marshaller<GradientFrame> PROTOBUF =
            ProtoUtils.marshaller(GradientFrame.getDefaultInstance());

    private final float[] values = new float[N];
    private final float[] out = new float[N];
    private final Sink sink = new Sink(N * Float.BYTES + 64);
    private ByteBuffer[] pieces;

    /** Stands in for gRPC's output buffer: copies what it is given. */
    private static final class Sink extends OutputStream {
        final byte[] buffer;
        int size;

        Sink(int capacity) {
            buffer = new byte[capacity];
        }

        @Override
        public void write(int b) {
            buffer[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            System.arraycopy(b, off, buffer, size, len);
            size += len;
        }
    }

    @Setup
    public void setUp() {
        for (int i = 0; i < N; i++) {
            values[i] = i * 0.25f;
        }
        byte[] wire = GradientFrame.newBuilder().setChunk(TensorCodec.encode(values, 0, N)).build().toByteArray();
        int count = (wire.length + PIECE - 1) / PIECE;
        pieces = new ByteBuffer[count];
        for (int k = 0; k < count; k++) {
            int n = Math.min(PIECE, wire.length - k * PIECE);
            pieces[k] = ByteBuffer.allocateDirect(n).put(wire, k * PIECE, n).flip();
        }
    }

    /** The message as Netty hands it over: direct buffers behind a detachable stream. */
    private InputStream received() {
        CompositeReadableBuffer c = new CompositeReadableBuffer(pieces.length);
        for (ByteBuffer p : pieces) {
            c.addBuffer(ReadableBuffers.wrap(p.duplicate()));
        }
        return ReadableBuffers.openStream(c, true);
    }

    @Benchmark
    public int serialiseProtobuf() throws IOException {
        sink.size = 0;
        GradientFrame f = GradientFrame.newBuilder().setChunk(TensorCodec.encode(values, 0, N)).build();
        return ((Drainable) PROTOBUF.stream(f)).drainTo(sink);
    }

    @Benchmark
    public int serialiseByReference() throws IOException {
        sink.size = 0;
        return ((Drainable) FrameMarshallers.GRADIENT_OUT.stream(new FloatChunkFrame(values, 0, N))).drainTo(sink);
    }

    @Benchmark
    public float parseProtobuf() {
        GradientFrame f = PROTOBUF.parse(received());
        TensorCodec.decode(f.getChunk().getData(), out, 0);
        return out[N - 1];
    }

    @Benchmark
    public float parseAliased() {
        GradientFrame f = FrameMarshallers.GRADIENT_IN.parse(received());
        try {
            TensorCodec.decode(f.getChunk().getData(), out, 0);
        } finally {
            AliasingMarshaller.release(f);
        }
        return out[N - 1];
    }
}
