package dev.momentumps.wire.codec;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Whether a gradient holds only finite values, as fast as JDK 17's C2 allows. For finite x, x − x is +0
 * exactly; for NaN or ±Inf it is NaN. So each block of {@link #BLOCK} values is copied into a small scratch
 * array (an intrinsic copy), turned into x − x in place (an element-wise loop over one array, which C2
 * vectorises), and compared with a block of zeros by {@link Arrays#mismatch(float[], int, int, float[], int, int)}
 * (a vectorised intrinsic; NaN never equals +0 there). The scratch stays in L1.
 *
 * <p>Why not one loop: C2 on JDK 17 vectorises no reduction over a float[] (an OR of exponent bits, a max of
 * |x|, a sum of x × 0 were all scalar, about one value per cycle), nor an element-wise loop that writes one
 * array at a different index than it reads another. Measured on this project's 2-core machine, 1M values:
 * 0.25–0.42 ms this way against 0.43–1.1 ms for the scalar OR of exponent bits, interleaved in one JVM.
 */
public final class FiniteScan {
    /** Values per block: 16 KiB of scratch. */
    public static final int BLOCK = 4096;
    private static final float[] ZEROS = new float[BLOCK];

    private FiniteScan() {
    }

    /** True when no value of {@code values} is NaN or ±Inf. */
    public static boolean allFinite(float[] values) {
        return allFinite(values, 0, values.length);
    }

    /**
     * True when no value of {@code values[from, to)} is NaN or ±Inf. Cheapest on values still in cache: a
     * decoder checks each block right after writing it (see {@code TensorCodec.decodeChecked}).
     */
    public static boolean allFinite(float[] values, int from, int to) {
        return allFinite(values, from, to, new float[Math.min(BLOCK, Math.max(0, to - from))]);
    }

    /** {@link #allFinite(float[], int, int)} with the caller's scratch of at least min({@link #BLOCK}, to − from) values. */
    public static boolean allFinite(float[] values, int from, int to, float[] block) {
        for (int at = from; at < to; at += BLOCK) {
            int len = Math.min(BLOCK, to - at);
            System.arraycopy(values, at, block, 0, len);
            for (int j = 0; j < len; j++) {
                block[j] = block[j] - block[j];
            }
            if (Arrays.mismatch(block, 0, len, ZEROS, 0, len) >= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * True when no value of {@code values[from, to)} (absolute indices; the buffer's position is ignored) is NaN
     * or ±Inf: each block is copied into {@code block} (at least min({@link #BLOCK}, to − from) values) and
     * checked there, as {@link #allFinite(float[], int, int, float[])} does.
     */
    public static boolean allFinite(FloatBuffer values, int from, int to, float[] block) {
        for (int at = from; at < to; at += BLOCK) {
            int len = Math.min(BLOCK, to - at);
            values.get(at, block, 0, len);
            for (int j = 0; j < len; j++) {
                block[j] = block[j] - block[j];
            }
            if (Arrays.mismatch(block, 0, len, ZEROS, 0, len) >= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Copies {@code values[0, n)} (absolute indices; the buffer's position is ignored) into {@code out[0, n)} block
     * by block, checking each block of {@code out} right after it lands, while it is still in L1. @return true when
     * every value copied is finite ({@code block}: at least min({@link #BLOCK}, n) values of scratch)
     */
    public static boolean copyChecked(FloatBuffer values, float[] out, int n, float[] block) {
        boolean finite = true;
        for (int at = 0; at < n; at += BLOCK) {
            int len = Math.min(BLOCK, n - at);
            values.get(at, out, at, len);
            finite = finite && allFinite(out, at, at + len, block);
        }
        return finite;
    }

    /**
     * The same answer by one scalar pass (an OR of exponent bits, carried into the sign bit when all ones):
     * the reference {@link #allFinite} is tested and benchmarked against.
     */
    public static boolean allFiniteScalar(float[] values) {
        int acc = 0;
        for (int i = 0; i < values.length; i++) {
            acc |= (Float.floatToRawIntBits(values[i]) & 0x7f800000) + 0x00800000;
        }
        return acc >= 0;
    }
}
