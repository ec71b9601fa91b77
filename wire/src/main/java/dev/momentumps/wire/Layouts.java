package dev.momentumps.wire;

import dev.momentumps.proto.ModelLayout;
import dev.momentumps.proto.TensorSpec;

/** {@link TensorLayout} to and from its wire form. */
public final class Layouts {
    private Layouts() {
    }

    public static ModelLayout toProto(TensorLayout layout) {
        ModelLayout.Builder b = ModelLayout.newBuilder();
        for (TensorLayout.Tensor t : layout.tensors()) {
            TensorSpec.Builder s = TensorSpec.newBuilder().setName(t.name());
            for (long d : t.shape()) {
                s.addShape(d);
            }
            b.addTensors(s);
        }
        return b.build();
    }

    /** @throws RequestException INVALID_ARGUMENT naming the bad tensor */
    public static TensorLayout fromProto(ModelLayout proto) {
        try {
            TensorLayout.Builder b = TensorLayout.builder();
            for (TensorSpec s : proto.getTensorsList()) {
                long[] shape = new long[s.getShapeCount()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = s.getShape(i);
                }
                b.add(s.getName(), shape);
            }
            return b.build();
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new RequestException(RequestException.Reason.INVALID_ARGUMENT, "layout: " + e.getMessage());
        }
    }
}
