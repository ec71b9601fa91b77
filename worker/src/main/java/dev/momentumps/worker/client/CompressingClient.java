package dev.momentumps.worker.client;

import dev.momentumps.wire.ParameterClient;
import dev.momentumps.worker.loop.GradientSource;

/**
 * Decides how each gradient travels, then pushes through the client it wraps:
 * <ul>
 *   <li>{@code topk:K}: the K largest entries of gradient + residual, sparse, with error feedback
 *       ({@link TopK}); the residual stays here.</li>
 *   <li>sparse: under {@link SparseMode#AUTO} when the source reports the rows its minibatch touched and
 *       sending them (4-byte index + value each) costs fewer bytes than the dense vector, i.e.
 *       {@code n (4 + b) < P b} with b = 4 (fp32) or 2 (fp16) bytes a value: n &lt; P/2, or P/3 with fp16;
 *       always under {@link SparseMode#ON} (a dense source's nonzero entries); never under OFF.</li>
 *   <li>else dense; {@code fp16} sends values (dense or sparse) as IEEE half floats.</li>
 * </ul>
 * Everything else is passed through. Counts what it sends in a {@link WireStats}.
 */
public final class CompressingClient extends ForwardingParameterClient {
    private final GradientSource source;
    private final SparseMode mode;
    private final Compression compression;
    private final WireStats stats;
    private final TopK topK;
    private int[] rows = new int[0];
    private float[] values = new float[0];
    private float[] acc = new float[0];

    public CompressingClient(ParameterClient inner, GradientSource source, SparseMode mode, Compression compression,
                             WireStats stats) {
        super(inner);
        this.source = source;
        this.mode = mode;
        this.compression = compression;
        this.stats = stats;
        this.topK = compression.kind() == Compression.Kind.TOPK ? new TopK(compression.k()) : null;
    }

    @Override
    public PushResult push(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                           float[] weightsOut) {
        int p = gradient.length;
        if (rows.length != p) {
            rows = new int[p];
            values = new float[p];
            acc = new float[p];
        }
        boolean half = compression.kind() == Compression.Kind.FP16;
        int valueBytes = half ? 2 : Float.BYTES;
        if (topK != null) {
            System.arraycopy(gradient, 0, acc, 0, p);
            int n = topK.select(acc, rows, values);
            stats.record(true, n, (long) n * (Integer.BYTES + Float.BYTES));
            return inner.pushSparse(baseVersion, sequence, p, rows, values, n, false, loss, batchSize, weightsOut);
        }
        int n = sparseRows(gradient);
        if (n >= 0 && (mode == SparseMode.ON || (long) n * (Integer.BYTES + valueBytes) < (long) p * valueBytes)) {
            for (int j = 0; j < n; j++) {
                values[j] = gradient[rows[j]];
            }
            stats.record(true, n, (long) n * (Integer.BYTES + valueBytes));
            return inner.pushSparse(baseVersion, sequence, p, rows, values, n, half, loss, batchSize, weightsOut);
        }
        stats.record(false, p, (long) p * valueBytes);
        return half ? inner.pushHalf(baseVersion, sequence, gradient, loss, batchSize, weightsOut)
                : inner.push(baseVersion, sequence, gradient, loss, batchSize, weightsOut);
    }

    /** The candidate rows in {@link #rows}: the source's touched rows, or (ON) the nonzeros; -1 for dense. */
    private int sparseRows(float[] gradient) {
        if (mode == SparseMode.OFF) {
            return -1;
        }
        int n = source.touchedRows(rows);
        if (n < 0 && mode == SparseMode.ON) {
            n = 0;
            for (int i = 0; i < gradient.length; i++) {
                if (gradient[i] != 0f) {
                    rows[n++] = i;
                }
            }
        }
        return n;
    }

    public WireStats stats() {
        return stats;
    }
}
