package dev.momentumps.server.compensation;

import java.nio.ByteBuffer;

/** Float vectors in the compensations' checkpoint bytes. */
final class Floats {
    private Floats() {
    }

    /** Writes the floats at the buffer's position and moves past them. */
    static void put(ByteBuffer out, float[] values) {
        out.asFloatBuffer().put(values);
        out.position(out.position() + 4 * values.length);
    }

    /** Reads {@code n} floats at the buffer's position and moves past them. */
    static float[] get(ByteBuffer in, int n) {
        float[] v = new float[n];
        in.asFloatBuffer().get(v);
        in.position(in.position() + 4 * n);
        return v;
    }

    /** Length (−1 for null) then the floats. */
    static void putNullable(ByteBuffer out, float[] values) {
        out.putInt(values == null ? -1 : values.length);
        if (values != null) {
            put(out, values);
        }
    }

    static float[] getNullable(ByteBuffer in) {
        int n = in.getInt();
        return n < 0 ? null : get(in, n);
    }

    /** Bytes {@link #putNullable} writes. */
    static long nullableBytes(float[] values) {
        return 4 + (values == null ? 0 : 4L * values.length);
    }
}
