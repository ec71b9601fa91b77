package dev.momentumps.server.core;

import dev.momentumps.wire.RequestException;
import java.nio.FloatBuffer;

/**
 * Where the weights of a pull go. A transport supplies one (an array, a shared region's buffer, a writer that
 * serialises them onto the wire) and {@link ParameterServerCore#pull(int, PullTarget)} does the bookkeeping
 * every pull shares, whatever the target: the worker's lease, the look-ahead weights a rule or compensation
 * sends instead of the live ones ({@link dev.momentumps.server.optim.LookAhead}), and
 * {@link dev.momentumps.server.compensation.StalenessCompensation#onSent}.
 */
@FunctionalInterface
public interface PullTarget {
    /**
     * Takes the weights sent, called under the core's lock, so nothing changes them meanwhile: every push and
     * pull waits while this runs, so it must not block.
     *
     * @param weights exactly the model's elements, to be read only, and only until this returns
     * @param version their version
     */
    void accept(float[] weights, long version);

    /**
     * Refuses a target that cannot take {@code numElements} values with a {@link RequestException} naming the
     * field. Called before anything changes; the default takes any size.
     */
    default void requireRoom(int numElements) {
    }

    /** Copies the weights into {@code out}, which must hold exactly the model's elements. */
    static PullTarget into(float[] out) {
        return new PullTarget() {
            @Override
            public void accept(float[] weights, long version) {
                System.arraycopy(weights, 0, out, 0, out.length);
            }

            @Override
            public void requireRoom(int numElements) {
                if (out.length != numElements) {
                    throw RequestException.invalid("weights buffer has " + out.length + " elements, model has "
                            + numElements);
                }
            }
        };
    }

    /** Copies the weights into {@code out} from its position on (a shared region); the position is unchanged. */
    static PullTarget into(FloatBuffer out) {
        return new PullTarget() {
            @Override
            public void accept(float[] weights, long version) {
                out.put(out.position(), weights, 0, weights.length);
            }

            @Override
            public void requireRoom(int numElements) {
                if (out.remaining() < numElements) {
                    throw RequestException.invalid("weights buffer has room for " + out.remaining()
                            + " elements, model has " + numElements);
                }
            }
        };
    }
}
