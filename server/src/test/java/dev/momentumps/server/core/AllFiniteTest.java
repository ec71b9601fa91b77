package dev.momentumps.server.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.wire.codec.FiniteScan;
import org.junit.jupiter.api.Test;

class AllFiniteTest {
    @Test
    void agreesWithTheDefinitionOnEveryExponentAndTheEdges() {
        float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
                -Float.MAX_VALUE, 1f, -1e30f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0xff800001)};
        for (float v : special) {
            float[] a = new float[37];
            a[17] = v;
            assertEquals(Float.isFinite(v), PushChecks.allFinite(a), () -> "value " + v);
            assertEquals(Float.isFinite(v), FiniteScan.allFiniteScalar(a), () -> "scalar, value " + v);
        }
        // every exponent, both signs, a few mantissas
        for (int e = 0; e < 256; e++) {
            for (int sign = 0; sign < 2; sign++) {
                for (int m : new int[] {0, 1, 0x400000, 0x7fffff}) {
                    float v = Float.intBitsToFloat((sign << 31) | (e << 23) | m);
                    assertEquals(Float.isFinite(v), PushChecks.allFinite(new float[] {1f, v, 2f}),
                            () -> Integer.toHexString(Float.floatToRawIntBits(v)));
                }
            }
        }
    }

    @Test
    void findsOneBadValueAnywhereAcrossBlocks() {
        int b = FiniteScan.BLOCK;
        for (int n : new int[] {0, 1, b - 1, b, b + 1, 3 * b + 7}) {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = (i % 3 == 0 ? -1f : 1f) * (i + 1) * 1e30f; // -0 and large values are finite
            }
            assertTrue(PushChecks.allFinite(a), "n=" + n);
            assertTrue(copyChecked(a), "copied, n=" + n);
            for (int pos : new int[] {0, b - 1, b, n - 1}) {
                if (pos < 0 || pos >= n) {
                    continue;
                }
                for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                        Float.intBitsToFloat(0x7fa00001), Float.intBitsToFloat(0xffc00000)}) {
                    float old = a[pos];
                    a[pos] = bad;
                    final int p = pos;
                    assertFalse(PushChecks.allFinite(a), () -> "n=" + n + " pos=" + p + " " + bad);
                    assertFalse(FiniteScan.allFiniteScalar(a), () -> "scalar n=" + n + " pos=" + p + " " + bad);
                    assertFalse(copyChecked(a), () -> "copied n=" + n + " pos=" + p + " " + bad);
                    a[pos] = old;
                }
            }
        }
    }

    /** FiniteScan.copyChecked from a buffer laid out as a shared region; the copy must equal the values, bit for bit */
    private static boolean copyChecked(float[] a) {
        java.nio.FloatBuffer buf = java.nio.ByteBuffer.allocateDirect(Math.max(1, a.length) * Float.BYTES)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        buf.put(0, a);
        float[] out = new float[a.length];
        boolean finite = FiniteScan.copyChecked(buf, out, a.length, new float[FiniteScan.BLOCK]);
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, out, "the copy");
        return finite;
    }
}
