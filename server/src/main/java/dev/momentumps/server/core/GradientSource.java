package dev.momentumps.server.core;

import dev.momentumps.wire.codec.FiniteScan;
import java.nio.FloatBuffer;
import java.util.function.IntFunction;

/**
 * Where the values of a dense push are, as a transport hands them to {@link ParameterServerCore#push(int, long,
 * long, GradientSource, double, int)}: an array the core takes over ({@link #of}), or a buffer the core may only
 * read while the push is taken in ({@link #borrowed}: a worker's shared region, which the worker could write
 * meanwhile). The core does a push's bookkeeping once whatever the source; it applies a borrowed gradient block
 * by block straight from the buffer when it can (see {@link ParameterServerCore}), and otherwise copies it into
 * an array from the transport's {@code arrays} first.
 */
public final class GradientSource {
    private final FloatBuffer borrowed;
    private final int length;
    private final IntFunction<float[]> arrays;
    private float[] array;
    private boolean knownFinite;
    private String path;

    private GradientSource(float[] array, boolean knownFinite, FloatBuffer borrowed, int length,
                           IntFunction<float[]> arrays) {
        this.array = array;
        this.knownFinite = knownFinite;
        this.borrowed = borrowed;
        this.length = length;
        this.arrays = arrays;
    }

    /**
     * An array that becomes the core's (the caller will not touch it again).
     *
     * @param knownFinite every value was checked while it was produced (the core then skips its own scan)
     */
    public static GradientSource of(float[] values, boolean knownFinite) {
        return new GradientSource(values, knownFinite, null, values.length, null);
    }

    /**
     * {@code n} values from {@code values}' index 0 (its position is ignored and left alone), read only while
     * the push is taken in; {@code arrays} supplies an array of {@code n} elements when the core needs a
     * copy of its own (the transport gets it back from {@link #array()} once the push is done).
     */
    public static GradientSource borrowed(FloatBuffer values, int n, IntFunction<float[]> arrays) {
        if (values.capacity() < n) {
            throw new IllegalArgumentException("the buffer holds " + values.capacity() + " values, not " + n);
        }
        return new GradientSource(null, false, values, n, arrays);
    }

    /**
     * Names the transport path the push came by ({@code StatusReply.pushes_by_path}); the core counts it once
     * the push is taken in. Unnamed pushes are not counted.
     */
    public GradientSource via(String pathName) {
        this.path = pathName;
        return this;
    }

    /** The transport path's name; null when not named. */
    public String path() {
        return path;
    }

    /** The number of values. */
    public int length() {
        return length;
    }

    /**
     * The array the core holds the values in: the one given to {@link #of}, the copy of a borrowed buffer the
     * core made, or null when the core read a borrowed buffer in place.
     */
    public float[] array() {
        return array;
    }

    /** The borrowed buffer; null for an array. */
    FloatBuffer buffer() {
        return borrowed;
    }

    /** Whether the values are in an array the core owns (given, or copied from the buffer). */
    boolean isArray() {
        return array != null;
    }

    boolean knownFinite() {
        return knownFinite;
    }

    /**
     * Copies a borrowed buffer into an array of the transport's, which the core owns from now on, each block
     * checked right after it lands (the copy is what is checked, whatever the sender writes meanwhile).
     */
    void copyIntoArray() {
        if (array == null) {
            float[] a = arrays.apply(length);
            knownFinite = FiniteScan.copyChecked(borrowed, a, length, new float[Math.min(FiniteScan.BLOCK, length)]);
            array = a;
        }
    }
}
