package dev.momentumps.worker.client;

import com.google.protobuf.ByteString;
import dev.momentumps.proto.GradientHeader;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.PushPullReply;
import dev.momentumps.proto.PushPullRequest;
import dev.momentumps.proto.SparseGradient;
import dev.momentumps.proto.ValueEncoding;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.inprocess.InProcessParameterClient;
import dev.momentumps.server.optim.HeavyBallMomentum;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.Float16;
import dev.momentumps.wire.codec.TensorCodec;
import dev.momentumps.wire.codec.WireValues;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * Sparse and float16 pushes through the real gRPC service (in-process transport) against the same pushes
 * through {@link InProcessParameterClient} on a second core: the weights must agree exactly, the client must
 * really take the sparse call, and malformed sparse messages are refused with the server unchanged.
 */
class SparseGrpcTest {
    private static final int CHUNK_BYTES = 64 << 10;
    private ParameterServerCore core;
    private ServerHost host;
    private ManagedChannel channel;

    private GrpcParameterClient start(int n) throws Exception {
        core = newCore();
        String name = InProcessServerBuilder.generateName();
        host = new ServerHost(InProcessServerBuilder.forName(name).directExecutor(), core, name, CHUNK_BYTES,
                10_000).start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        GrpcParameterClient c = new GrpcParameterClient(channel, false, 10_000, Transport.TCP);
        c.register(0, "grpc");
        c.initialize(TensorLayout.of("w", n), initial(n));
        return c;
    }

    private static ParameterServerCore newCore() {
        return new ParameterServerCore(new HeavyBallMomentum(0.1, 0.9, 0, false), t -> 0.1f, 0, new Asynchronous(), 1);
    }

    private static InProcessParameterClient reference(ParameterServerCore ref, int n) {
        InProcessParameterClient c = new InProcessParameterClient(ref, 10_000);
        c.register(0, "ref");
        c.initialize(TensorLayout.of("w", n), initial(n));
        return c;
    }

    static float[] initial(int n) {
        Random r = new Random(1);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) r.nextGaussian();
        }
        return w;
    }

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (host != null) {
            host.stop(2_000);
        }
    }

    private void sameAsInProcess(int n, boolean half) throws Exception {
        GrpcParameterClient grpc = start(n);
        ParameterServerCore ref = newCore();
        InProcessParameterClient local = reference(ref, n);
        int[][] rows = {{0, 5, n - 1}, {3, 5}, {0, n / 2, n - 2}};
        float[][] values = {{0.3f, -1.7f, 2.2f}, {1e-3f, 4}, {-0.5f, 0.123456f, 7.77f}};
        float[] wGrpc = new float[n];
        float[] wLocal = new float[n];
        for (int s = 0; s < rows.length; s++) {
            ParameterClient.PushResult a = grpc.pushSparse(s, s + 1, n, rows[s], values[s], rows[s].length, half, 0.5,
                    8, wGrpc);
            ParameterClient.PushResult b = local.pushSparse(s, s + 1, n, rows[s], values[s], rows[s].length, half,
                    0.5, 8, wLocal);
            assertEquals(Transport.SPARSE, grpc.lastTransport());
            assertEquals(b.version(), a.version());
            assertEquals(s + 1, a.version());
            assertArrayEquals(wLocal, wGrpc, "step " + (s + 1));
        }
        assertArrayEquals(core.weights(), wGrpc);
        assertArrayEquals(ref.rule().state().get("velocity"), core.rule().state().get("velocity"));
    }

    @Test
    void sparseFloat32MatchesTheInProcessClient() throws Exception {
        sameAsInProcess(40, false);
    }

    @Test
    void sparseFloat16MatchesTheInProcessClient() throws Exception {
        sameAsInProcess(40, true);
        // the server saw 0.123456 rounded to half precision, not the float32 value
        ParameterServerCore exact = newCore();
        InProcessParameterClient c = reference(exact, 40);
        float[] w = new float[40];
        int[][] rows = {{0, 5, 39}, {3, 5}, {0, 20, 38}};
        float[][] values = {{0.3f, -1.7f, 2.2f}, {1e-3f, 4}, {-0.5f, 0.123456f, 7.77f}};
        for (int s = 0; s < 3; s++) {
            c.pushSparse(s, s + 1, 40, rows[s], values[s], rows[s].length, false, 0.5, 8, w);
        }
        assertTrue(exact.weights()[20] != core.weights()[20], "float16 changes what the server applies");
    }

    @Test
    void bigModelPushesSparseThenPullsTheWeights() throws Exception {
        int n = 100_003; // 400 KB of weights: more than one 64 KiB chunk, so no inline reply
        sameAsInProcess(n, false);
    }

    @Test
    void denseFloat16GoesInlineAsHalves() throws Exception {
        int n = 30;
        GrpcParameterClient grpc = start(n);
        ParameterServerCore ref = newCore();
        InProcessParameterClient local = reference(ref, n);
        float[] g = initial(n);
        for (int i = 0; i < n; i++) {
            g[i] *= 0.37f;
        }
        float[] a = new float[n];
        float[] b = new float[n];
        grpc.pushHalf(0, 1, g, 0, 1, a);
        assertEquals(Transport.UNARY, grpc.lastTransport());
        float[] rounded = new float[n];
        for (int i = 0; i < n; i++) {
            rounded[i] = Float16.roundSaturating(g[i]);
        }
        local.push(0, 1, rounded, 0, 1, b);
        assertArrayEquals(b, a);
    }

    @Test
    void sparseReplyReturnsOnlyThePushedRows() throws Exception {
        start(10);
        ParameterServerGrpc.ParameterServerBlockingStub stub = ParameterServerGrpc.newBlockingStub(channel);
        PushPullReply r = stub.pushPull(request(1, new int[] {2, 7}, new float[] {1, -1}).setSparseReply(true).build());
        assertEquals(10, r.getHeader().getNumElements());
        float[] rows = new float[TensorCodec.count(r.getWeights())];
        TensorCodec.decode(r.getWeights(), rows, 0);
        float[] w = core.weights();
        assertArrayEquals(new float[] {w[2], w[7]}, rows);
    }

    @Test
    void malformedSparseGradientsAreRefusedAndChangeNothing() throws Exception {
        start(10);
        ParameterServerGrpc.ParameterServerBlockingStub stub = ParameterServerGrpc.newBlockingStub(channel);
        stub.pushPull(request(1, new int[] {1}, new float[] {1}).build());
        float[] before = core.weights();
        refused(stub, request(2, new int[] {4, 4}, new float[] {1, 1}).build(), "sparse_gradient.indices[1]");
        refused(stub, request(2, new int[] {3, 10}, new float[] {1, 1}).build(), "not in [0, 10)");
        refused(stub, request(2, new int[] {3}, new float[] {Float.NaN}).build(), "sparse_gradient.values[0]");
        refused(stub, request(2, new int[] {3}, new float[] {1, 2}).build(), "sparse_gradient.values");
        PushPullRequest.Builder oddIndices = request(2, new int[] {3}, new float[] {1});
        oddIndices.getSparseGradientBuilder().setIndices(ByteString.copyFrom(new byte[] {1, 0, 0}));
        refused(stub, oddIndices.build(), "sparse_gradient.indices");
        PushPullRequest.Builder halfTooShort = request(2, new int[] {3, 4}, new float[] {1, 2});
        halfTooShort.getSparseGradientBuilder().setEncoding(ValueEncoding.FLOAT16);
        refused(stub, halfTooShort.build(), "sparse_gradient.values");
        assertEquals(1, core.version());
        assertArrayEquals(before, core.weights());
        // sequence 2 was not used up by the refusals
        assertEquals(2, stub.pushPull(request(2, new int[] {3}, new float[] {1}).build()).getHeader().getVersion());
    }

    private static PushPullRequest.Builder request(long sequence, int[] rows, float[] values) {
        return PushPullRequest.newBuilder().setHeader(GradientHeader.newBuilder().setWorkerId(0)
                        .setBaseVersion(0).setSequence(sequence).setReturnWeights(true))
                .setSparseGradient(SparseGradient.newBuilder().setIndices(WireValues.encodeIndices(rows, rows.length))
                        .setValues(WireValues.encode(values, values.length, ValueEncoding.FLOAT32)));
    }

    private static void refused(ParameterServerGrpc.ParameterServerBlockingStub stub, PushPullRequest request,
                                String message) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.pushPull(request));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains(message), e.getStatus().getDescription());
    }
}
