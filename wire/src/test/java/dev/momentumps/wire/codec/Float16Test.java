package dev.momentumps.wire.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Every half value, every midpoint between neighbours, and the edges: against exact BigDecimal arithmetic. */
class Float16Test {

    @Test
    void everyHalfRoundTripsExactly() {
        for (int h = 0; h < 65536; h++) {
            float f = Float16.toFloat(h);
            boolean nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
            if (nan) {
                assertTrue(Float.isNaN(f), "half " + Integer.toHexString(h) + " is NaN");
                assertTrue(Float.isNaN(Float16.toFloat(Float16.fromFloat(f))));
                assertEquals(h & 0x8000, Float16.fromFloat(f) & 0x8000, "NaN keeps its sign");
                continue;
            }
            assertEquals(h, Float16.fromFloat(f), "half " + Integer.toHexString(h) + " -> " + f);
        }
    }

    @Test
    void toFloatIsTheExactValue() {
        for (int h = 0; h < 0x7c00; h++) {
            int exp = h >>> 10;
            int mant = h & 0x3ff;
            BigDecimal expected = exp == 0
                    ? new BigDecimal(mant).multiply(pow2(-24))
                    : new BigDecimal(1024 + mant).multiply(pow2(exp - 25));
            assertEquals(0, expected.compareTo(new BigDecimal(Float16.toFloat(h))), "half " + h);
            assertEquals(Float16.toFloat(h), -Float16.toFloat(h | 0x8000));
        }
    }

    @Test
    void midpointsRoundToEvenAndNeighboursToTheNearest() {
        // between consecutive finite positive halves a < b: the midpoint ties to the even one, and the
        // floats just below and above it go to a and b (every midpoint is exact in float32)
        for (int h = 0; h < 0x7bff; h++) {
            float a = Float16.toFloat(h);
            float b = Float16.toFloat(h + 1);
            float mid = (float) (((double) a + b) / 2);
            assertEquals(0, new BigDecimal(mid).compareTo(new BigDecimal(a).add(new BigDecimal(b))
                    .divide(BigDecimal.valueOf(2))), "midpoint exact");
            int even = (h & 1) == 0 ? h : h + 1;
            assertEquals(even, Float16.fromFloat(mid), "tie between " + a + " and " + b);
            assertEquals(even | 0x8000, Float16.fromFloat(-mid), "negative tie");
            assertEquals(h, Float16.fromFloat(Math.nextDown(mid)), "below the midpoint of " + a + ", " + b);
            assertEquals(h + 1, Float16.fromFloat(Math.nextUp(mid)), "above the midpoint of " + a + ", " + b);
        }
    }

    @Test
    void randomFloatsGoToTheNearestHalf() {
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < 200_000; i++) {
            float f = Float.intBitsToFloat(rng.nextInt(0x3f80_0000, 0x4780_0000) ^ (rng.nextBoolean() ? 0x8000_0000 : 0));
            float r = Float16.round(f);
            if (Math.abs(f) >= 65520f) {
                assertEquals(Math.copySign(Float.POSITIVE_INFINITY, f), r);
                continue;
            }
            int h = Float16.fromFloat(f);
            double err = Math.abs((double) r - f);
            // neither neighbour of the chosen half is strictly nearer
            for (int d = -1; d <= 1; d += 2) {
                int nb = h + d;
                if ((nb & 0x7fff) < 0x7c00 && ((nb ^ h) & 0x8000) == 0) {
                    assertTrue(err <= Math.abs((double) Float16.toFloat(nb) - f), f + " -> " + r);
                }
            }
        }
    }

    @Test
    void edges() {
        assertEquals(0x7bff, Float16.fromFloat(65504f), "largest finite");
        assertEquals(0x7bff, Float16.fromFloat(65519.996f), "below the overflow midpoint");
        assertEquals(0x7c00, Float16.fromFloat(65520f), "the midpoint to 65536 ties to even: infinity");
        assertEquals(0x7c00, Float16.fromFloat(Float.MAX_VALUE));
        assertEquals(0xfc00, Float16.fromFloat(-1e10f));
        assertEquals(0x7c00, Float16.fromFloat(Float.POSITIVE_INFINITY));
        assertEquals(0xfc00, Float16.fromFloat(Float.NEGATIVE_INFINITY));
        assertEquals(0x0000, Float16.fromFloat(0f));
        assertEquals(0x8000, Float16.fromFloat(-0f));
        assertEquals(0x0001, Float16.fromFloat(0x1p-24f), "smallest subnormal");
        assertEquals(0x0000, Float16.fromFloat(0x1p-25f), "half of it ties to even: zero");
        assertEquals(0x0001, Float16.fromFloat(Math.nextUp(0x1p-25f)));
        assertEquals(0x8000, Float16.fromFloat(-Float.MIN_VALUE), "float subnormals flush to signed zero");
        assertEquals(0x03ff, Float16.fromFloat(0x3ffp-24f), "largest subnormal");
        assertEquals(0x0400, Float16.fromFloat(0x1p-14f), "smallest normal");
        assertEquals(0x0400, Float16.fromFloat(Math.nextDown(0x1p-14f)), "rounds up across the subnormal edge");
        assertEquals(0x3c00, Float16.fromFloat(1f));
        assertEquals(0x3c00, Float16.fromFloat(1f + 0x1p-11f), "tie at 1 + half an ulp goes to even 1");
        assertEquals(0x3c02, Float16.fromFloat(1f + 3 * 0x1p-11f), "tie at 1 + 1.5 ulp goes to even 1 + 2 ulp");
        assertTrue(Float.isNaN(Float16.round(Float.NaN)));
        assertEquals(0x7bff, Float16.fromFloatSaturating(1e10f), "saturating: finite overflow is the largest finite");
        assertEquals(0xfbff, Float16.fromFloatSaturating(-65520f));
        assertEquals(0x7c00, Float16.fromFloatSaturating(Float.POSITIVE_INFINITY), "infinity stays infinite");
        assertTrue(Float.isNaN(Float16.roundSaturating(Float.NaN)));
        assertEquals(0x7e00, Float16.fromFloat(Float.NaN), "canonical NaN stays quiet");
        assertEquals(0x7e00, Float16.fromFloat(Float.intBitsToFloat(0x7f80_0001)), "signalling NaN becomes quiet, not inf");
    }

    private static BigDecimal pow2(int e) {
        return e >= 0 ? new BigDecimal(2).pow(e) : BigDecimal.ONE.divide(new BigDecimal(2).pow(-e));
    }
}
