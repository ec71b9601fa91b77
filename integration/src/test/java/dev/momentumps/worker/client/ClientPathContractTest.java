package dev.momentumps.worker.client;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.optim.HeavyBallMomentum;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.frame.AliasingMarshaller;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * The push-and-pull contract, bound to each transport by a subclass: a real Netty server on loopback TCP
 * and a {@link GrpcParameterClient} told which path to take. Every path must give the same weights as
 * heavy-ball momentum computed here by hand, refuse bad gradients without changing the server, and
 * actually take the path it claims (a silent fallback fails {@link #expectedPath}).
 */
abstract class ClientPathContractTest {
    /** Small chunks so a modest tensor needs many of them on the streaming path. */
    private static final int CHUNK_BYTES = 64 << 10;
    private static final float LR = 0.1f;
    private static final float BETA = 0.9f;
    static final int TINY = 6;
    static final int BIG = 100_003; // 400 KB: seven 64 KiB chunks, the last one partial

    ParameterServerCore core;
    ServerHost host;
    GrpcParameterClient client;

    /** The transport the client is told to use. */
    abstract Transport transport();

    /** The path a push of {@code n} floats must take. */
    abstract Transport expectedPath(int n);

    @BeforeEach
    void start() throws Exception {
        core = new ParameterServerCore(new HeavyBallMomentum(LR, BETA, 0, false), t -> LR, 0, new Asynchronous(), 1);
        host = offer(new ServerHost(serverBuilder(), core, "127.0.0.1", CHUNK_BYTES, 10_000)).start();
        client = new GrpcParameterClient(channel(host.port()), true, 10_000, transport());
    }

    /** The server's builder, on an ephemeral loopback port: plaintext gRPC unless a transport says otherwise. */
    NettyServerBuilder serverBuilder() {
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
    }

    /** What else the server offers before it starts (a transport's own port); nothing unless a transport says. */
    ServerHost offer(ServerHost unstarted) throws java.io.IOException {
        return unstarted;
    }

    /** The worker's channel to {@code port}: plaintext gRPC unless a transport says otherwise. */
    ManagedChannel channel(int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        host.stop(2_000);
        // every frame parsed in place from Netty's buffers (server and client side) was handed back
        assertEquals(0, AliasingMarshaller.held(), "frames still holding transport buffers");
    }

    /** Registers, initialises the server with {@code n} random weights and returns them. */
    float[] setUp(int n) {
        client.register(0, "test");
        float[] w0 = random(n, 1);
        client.initialize(TensorLayout.builder().add("w", n).build(), w0);
        return w0;
    }

    /** {@code n} standard normal floats from {@code seed}. */
    static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    void roundsMatchHeavyBall(int n) {
        float[] w = setUp(n);
        float[] v = new float[n];
        float[] out = new float[n];
        for (int step = 1; step <= 3; step++) {
            float[] g = random(n, 10 + step);
            for (int i = 0; i < n; i++) {
                v[i] = v[i] * BETA + g[i];
                w[i] = w[i] + (-LR) * v[i];
            }
            ParameterClient.PushResult r = client.push(step - 1, step, g, 0.5, 8, out);
            assertEquals(step, r.version());
            assertEquals(0, r.staleness());
            assertTrue(r.applied());
            assertArrayEquals(w, out, "weights after step " + step);
            assertEquals(expectedPath(n), client.lastTransport(), "the path a push of " + n + " floats took");
        }
        assertArrayEquals(w, core.weights());
        assertEquals(java.util.Map.of(expectedPath(n).cliName(), 3L), client.status().pushesByPath(),
                "the server counts the path each push took");
    }

    @Test
    void tinyModelRoundsMatchHeavyBallMath() {
        roundsMatchHeavyBall(TINY);
    }

    @Test
    void bigModelRoundsMatchHeavyBallMath() {
        roundsMatchHeavyBall(BIG);
    }

    /**
     * A float16 push and a sparse push bigger than one chunk (the streaming Push's float16 chunks and
     * SparseChunks on TCP; float32 through a shared region) give the weights of heavy-ball momentum on the
     * halves, resp. on the scattered rows (with catch-up: equal to dense up to float rounding).
     */
    @Test
    void bigHalfAndSparsePushesMatchHeavyBallMath() {
        float[] w = setUp(BIG);
        float[] v = new float[BIG];
        float[] out = new float[BIG];
        float[] g = random(BIG, 21);
        for (int i = 0; i < BIG; i++) {
            float h = dev.momentumps.wire.codec.Float16.roundSaturating(g[i]);
            v[i] = v[i] * BETA + h;
            w[i] = w[i] + (-LR) * v[i];
        }
        assertEquals(1, client.pushHalf(0, 1, g, 0.5, 8, out).version());
        assertArrayEquals(w, out, "after the float16 push");
        int[] rows = new int[BIG];
        float[] vals = new float[BIG];
        int k = 0;
        for (int i = 0; i < BIG; i += 2) { // 50,002 rows: 400 KB of index + value, several 64 KiB chunks
            rows[k] = i;
            vals[k++] = g[i];
        }
        for (int i = 0; i < BIG; i++) {
            v[i] = v[i] * BETA + (i % 2 == 0 ? g[i] : 0f);
            w[i] = w[i] + (-LR) * v[i];
        }
        assertEquals(2, client.pushSparse(1, 2, BIG, rows, vals, k, false, 0.5, 8, out).version());
        assertEquals(Transport.SPARSE_STREAM, client.lastTransport());
        assertArrayEquals(w, out, 1e-6f, "after the chunked sparse push");
        assertArrayEquals(w, core.weights(), 1e-6f);
    }

    @Test
    void pullReturnsTheServersWeightsAndVersion() {
        setUp(BIG);
        client.push(0, 1, random(BIG, 5), Double.NaN, 1, null);
        float[] out = new float[BIG];
        assertEquals(1, client.pull(out));
        assertArrayEquals(core.weights(), out);
    }

    @Test
    void pushWithoutWeightsReturnsTheVersion() {
        setUp(BIG);
        ParameterClient.PushResult r = client.push(0, 1, new float[BIG], Double.NaN, 1, null);
        assertEquals(1, r.version());
        assertEquals(1, core.version());
    }

    @Test
    void nonFiniteGradientIsRefusedNamingTheElementAndChangesNothing() {
        for (int n : new int[] {TINY, BIG}) {
            // the first element checked, and the last (in the last chunk or block of a big push)
            for (int at : new int[] {3, n - 1}) {
                stopQuietly();
                restart();
                float[] w0 = setUp(n);
                float[] g = new float[n];
                g[at] = at == 3 ? Float.NaN : Float.NEGATIVE_INFINITY;
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                        () -> client.push(0, 1, g, Double.NaN, 1, new float[n]));
                assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
                assertTrue(e.getStatus().getDescription().contains("gradient[" + at + "]"),
                        e.getStatus().getDescription());
                assertEquals(0, core.version());
                assertArrayEquals(w0, core.weights());
                // the refused push did not use up its sequence number
                float[] out = new float[n];
                g[at] = 0;
                assertEquals(1, client.push(0, 1, g, Double.NaN, 1, out).version());
            }
        }
    }

    @Test
    void repeatedSequenceIsRefused() {
        setUp(BIG);
        client.push(0, 1, new float[BIG], Double.NaN, 1, null);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> client.push(1, 1, new float[BIG], Double.NaN, 1, new float[BIG]));
        assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
        assertEquals(1, core.version());
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void restart() {
        try {
            start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
