package dev.momentumps.worker.client;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.inprocess.InProcessParameterClient;
import dev.momentumps.server.optim.Sgd;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.Float16;
import dev.momentumps.worker.data.SparseDataset;
import dev.momentumps.worker.loop.GradientSource;
import dev.momentumps.worker.model.LogisticRegression;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;


/** The worker's choice of form (dense, sparse, fp16, top-k), what the server applies, and the bytes counted. */
class CompressingClientTest {
    private static final int P = 10;

    /** A source whose "touched rows" the test sets. */
    private static final class FakeSource implements GradientSource {
        int[] touched;

        @Override
        public TensorLayout layout() {
            return TensorLayout.of("w", P);
        }

        @Override
        public void initialWeights(float[] w) {
        }

        @Override
        public double next(float[] w, float[] g) {
            return 0;
        }

        @Override
        public int touchedRows(int[] out) {
            if (touched == null) {
                return -1;
            }
            System.arraycopy(touched, 0, out, 0, touched.length);
            return touched.length;
        }

        @Override
        public int lastBatchSize() {
            return 1;
        }
    }

    private final ParameterServerCore core = new ParameterServerCore(new Sgd(1, 0), t -> 1f, 0, new Asynchronous(), 1);
    private final FakeSource source = new FakeSource();
    private final WireStats stats = new WireStats();

    private CompressingClient client(SparseMode mode, Compression c) {
        CompressingClient cc = new CompressingClient(new InProcessParameterClient(core, 1_000), source, mode, c, stats);
        cc.register(0, "t");
        cc.initialize(TensorLayout.of("w", P), new float[P]);
        return cc;
    }

    private static float[] gradient(int... nonzero) {
        float[] g = new float[P];
        for (int i : nonzero) {
            g[i] = i + 0.5f;
        }
        return g;
    }

    @Test
    void autoGoesSparseOnlyWhenFewerBytes() {
        CompressingClient c = client(SparseMode.AUTO, Compression.NONE);
        source.touched = new int[] {1, 4, 9}; // 3 x 8 bytes < 10 x 4
        c.push(0, 1, gradient(1, 4, 9), 0, 1, null);
        assertEquals(1, stats.sparsePushes());
        assertEquals(24, stats.bytes());
        source.touched = new int[] {0, 1, 2, 3, 4}; // 5 x 8 = 40, not fewer than 40
        c.push(1, 2, gradient(0, 1, 2, 3, 4), 0, 1, null);
        assertEquals(1, stats.sparsePushes());
        assertEquals(24 + 40, stats.bytes());
        source.touched = null; // a dense source
        c.push(2, 3, gradient(2), 0, 1, null);
        assertEquals(1, stats.sparsePushes());
        assertEquals(3, stats.pushes());
        // SGD with lr 1 applied the three gradients in full, whatever the form
        float[] expected = new float[P];
        for (float[] g : new float[][] {gradient(1, 4, 9), gradient(0, 1, 2, 3, 4), gradient(2)}) {
            for (int i = 0; i < P; i++) {
                expected[i] -= g[i];
            }
        }
        assertArrayEquals(expected, core.weights());
    }

    @Test
    void onSendsTheNonzerosOfADenseSourceAndOffNeverGoesSparse() {
        CompressingClient on = client(SparseMode.ON, Compression.NONE);
        on.push(0, 1, gradient(2, 3, 5, 6, 7, 8), 0, 1, null);
        assertEquals(1, stats.sparsePushes());
        assertEquals(6 * 8, stats.bytes());
        WireStats offStats = new WireStats();
        CompressingClient off = new CompressingClient(new InProcessParameterClient(core, 1_000), source, SparseMode.OFF,
                Compression.NONE, offStats);
        off.register(1, "off");
        source.touched = new int[] {1};
        off.push(1, 1, gradient(1), 0, 1, null);
        assertEquals(0, offStats.sparsePushes());
        assertEquals(P * 4, offStats.bytes());
    }

    @Test
    void fp16HalvesTheBytesAndTheServerSeesRoundedValues() {
        CompressingClient c = client(SparseMode.OFF, Compression.parse("fp16", "--compress"));
        float[] g = {0.1f, 1e-5f, 3.14159f, -2, 70000, 0, 0, 0, 0, 1};
        c.push(0, 1, g, 0, 1, null);
        assertEquals(P * 2, stats.bytes());
        float[] w = core.weights();
        for (int i = 0; i < P; i++) {
            assertEquals(0f - Float16.roundSaturating(g[i]), w[i], "row " + i);
        }
        assertEquals(-65504f, w[4], "beyond the half range saturates instead of becoming infinite");
        assertEquals(-Float16.round(0.1f), w[0]);
    }

    @Test
    void topKSendsKEntriesAndFeedsTheRestBack() {
        CompressingClient c = client(SparseMode.OFF, Compression.parse("topk:2", "--compress"));
        float[] g = {0, 0, 0, 5, 0, 0, 1, 0, 0, -3};
        c.push(0, 1, g, 0, 1, null);
        assertArrayEquals(new float[] {0, 0, 0, -5, 0, 0, 0, 0, 0, 3}, core.weights());
        assertEquals(2 * 8, stats.bytes());
        c.push(1, 2, new float[P], 0, 1, null); // only the residual (row 6) is left
        assertEquals(-1, core.weights()[6]);
        assertArrayEquals(new float[] {0, 0, 0, 5, 0, 0, 1, 0, 0, -3}, g, "the caller's gradient is untouched");
    }

    @Test
    void badFlagsAreRefusedNamingTheFlag() {
        assertEquals("topk:3", Compression.parse("topk:3", "--compress").toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Compression.parse("topk:0", "--compress"));
        assertEquals(true, e.getMessage().startsWith("--compress"));
        assertThrows(IllegalArgumentException.class, () -> Compression.parse("gzip", "--compress"));
        assertThrows(IllegalArgumentException.class, () -> SparseMode.parse("maybe", "--sparse"));
    }

    @Test
    void logisticRegressionOnSparseDataTouchesTheBatchColumnsAndTheBias() {
        // three rows over 6 features: {0, 2}, {2, 5}, {1}
        SparseDataset data = new SparseDataset(new int[] {0, 2, 4, 5}, new int[] {0, 2, 2, 5, 1},
                new float[] {1, 1, 1, 1, 1}, new float[] {1, 0, 1}, 6);
        LogisticRegression model = new LogisticRegression(6, 0);
        boolean[] mark = new boolean[7];
        int[] out = new int[7];
        int n = model.touchedRows(data, new int[] {1, 0}, 2, mark, out);
        assertArrayEquals(new int[] {0, 2, 5, 6}, Arrays.copyOf(out, n));
        assertArrayEquals(new boolean[7], mark, "scratch cleared");
        float[] g = new float[7];
        model.lossAndGradient(new float[7], data, new int[] {1, 0}, 2, g);
        for (int i = 0; i < 7; i++) {
            if (Arrays.binarySearch(out, 0, n, i) < 0) {
                assertEquals(0f, g[i], "untouched row " + i + " has gradient zero");
            }
        }
    }
}
