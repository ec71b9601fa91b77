package dev.momentumps.wire.codec;

/**
 * IEEE-754 binary16 ("half") conversions, for gradient compression on the wire (Java 17 has no
 * {@code Float.floatToFloat16}). Half: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits; largest
 * finite 65504, smallest normal 2^-14, smallest subnormal 2^-24.
 *
 * <p>{@link #fromFloat} rounds to nearest, ties to even (IEEE's default): values at or beyond 65520 become
 * ±infinity, values at or below 2^-25 in magnitude become ±0, subnormals are rounded like any other value,
 * NaN stays NaN (quiet, with the top payload bits kept), ±0 and ±infinity keep their sign.
 * {@link #toFloat} is exact (every half is a float).
 */
public final class Float16 {
    private Float16() {
    }

    /** The half nearest to {@code f} (ties to even), as its 16 bits in the low half of an int. */
    public static int fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7f_ffff;
        if (exp == 0xff) {
            // infinity keeps its sign; NaN becomes a quiet NaN with the top 9 payload bits
            return mant == 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return sign | 0x7c00;
        }
        if (e <= 0) {
            // half subnormal (or zero): value = m·2^-24 with m = (1.mant)·2^(e-1+10) → shift 14 - e
            if (e < -10) {
                return sign;
            }
            int full = mant | 0x80_0000;
            int shift = 14 - e;
            int half = full >>> shift;
            int rem = full & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (half & 1) != 0)) {
                half++;
            }
            return sign | half;
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
            half++; // a carry out of the mantissa steps the exponent, up to infinity: still correct
        }
        return sign | half;
    }

    /** The float equal to the half whose 16 bits are the low bits of {@code h}. */
    public static float toFloat(int h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f80_0000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // exact: mant < 2^10
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** {@code f} rounded to the nearest half, back as a float (what the receiver of a half sees). */
    public static float round(float f) {
        return toFloat(fromFloat(f));
    }

    /** The largest finite half, 65504. */
    public static final float MAX = 65504f;

    /**
     * As {@link #fromFloat}, but a finite value beyond ±{@link #MAX} saturates to ±MAX instead of becoming
     * infinite: what a gradient compressor wants (the server refuses infinite gradients). NaN and
     * infinities pass through as they are.
     */
    public static int fromFloatSaturating(float f) {
        return fromFloat(f > MAX && f < Float.POSITIVE_INFINITY ? MAX
                : f < -MAX && f > Float.NEGATIVE_INFINITY ? -MAX : f);
    }

    /** {@link #fromFloatSaturating} back as a float: what the server applies for a float16 gradient value. */
    public static float roundSaturating(float f) {
        return toFloat(fromFloatSaturating(f));
    }
}
