package dev.momentumps.wire;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The model's named, shaped float32 tensors, laid end to end in one flat vector. The server stores and
 * updates the flat vector; names and shapes are for validation, checkpoints and reports.
 */
public final class TensorLayout {

    /** One tensor: its name, shape and where it starts in the flat vector. */
    public record Tensor(String name, long[] shape, int offset, int size) {
        public Tensor {
            Objects.requireNonNull(name, "name");
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tensor t && t.name.equals(name) && Arrays.equals(t.shape, shape)
                    && t.offset == offset && t.size == size;
        }

        @Override
        public int hashCode() {
            return 31 * name.hashCode() + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape);
        }
    }

    private final List<Tensor> tensors;
    private final int numElements;

    private TensorLayout(List<Tensor> tensors, int numElements) {
        this.tensors = Collections.unmodifiableList(tensors);
        this.numElements = numElements;
    }

    /** Starts a layout; add tensors in the order they sit in the flat vector. */
    public static Builder builder() {
        return new Builder();
    }

    /** A layout of one tensor named {@code name} with the given shape. */
    public static TensorLayout of(String name, long... shape) {
        return builder().add(name, shape).build();
    }

    public List<Tensor> tensors() {
        return tensors;
    }

    /** Total number of float32 elements in the flat vector. */
    public int numElements() {
        return numElements;
    }

    /** The tensor with that name. @throws IllegalArgumentException if there is none */
    public Tensor tensor(String name) {
        for (Tensor t : tensors) {
            if (t.name.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("no tensor named '" + name + "' in layout " + this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorLayout l && l.tensors.equals(tensors);
    }

    @Override
    public int hashCode() {
        return tensors.hashCode();
    }

    @Override
    public String toString() {
        return tensors.toString();
    }

    /** Collects tensors; rejects empty names, duplicates, non-positive dimensions and totals over 2^31-1. */
    public static final class Builder {
        private final List<Tensor> tensors = new ArrayList<>();
        private long total;

        public Builder add(String name, long... shape) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("tensor name must not be empty");
            }
            for (Tensor t : tensors) {
                if (t.name.equals(name)) {
                    throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
                }
            }
            if (shape.length == 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has no shape");
            }
            long size = 1;
            for (long d : shape) {
                if (d <= 0) {
                    throw new IllegalArgumentException("tensor '" + name + "' has a non-positive dimension "
                            + Arrays.toString(shape));
                }
                size = Math.multiplyExact(size, d);
            }
            if (total + size > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("layout exceeds " + (Integer.MAX_VALUE - 8) + " elements");
            }
            tensors.add(new Tensor(name, shape, (int) total, (int) size));
            total += size;
            return this;
        }

        public TensorLayout build() {
            if (tensors.isEmpty()) {
                throw new IllegalArgumentException("a layout needs at least one tensor");
            }
            return new TensorLayout(new ArrayList<>(tensors), (int) total);
        }
    }
}
