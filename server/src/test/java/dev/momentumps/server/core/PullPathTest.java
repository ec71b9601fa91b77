package dev.momentumps.server.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.optim.LookAhead;
import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.TensorLayout;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one pull path: whatever the target (an array, a buffer, a reader), the worker gets the weights it is
 * sent, the compensation is told what was sent, and a look-ahead in force transforms them per worker.
 */
class PullPathTest {
    private static final TensorLayout LAYOUT = TensorLayout.builder().add("w", 3).build();

    /** Records every onSent; with {@code ahead}, sends worker 0 the weights w − lr (lr = 0.5 here). */
    private static final class Recorder implements StalenessCompensation, LookAhead {
        final boolean ahead;
        final List<String> sent = new ArrayList<>();

        Recorder(boolean ahead) {
            this.ahead = ahead;
        }

        @Override
        public void onSent(int workerId, float[] weights) {
            sent.add(workerId + ":" + java.util.Arrays.toString(weights));
        }

        @Override
        public void onSentRows(int workerId, int[] rows, int n, float[] values) {
            sent.add(workerId + ":rows" + java.util.Arrays.toString(java.util.Arrays.copyOf(rows, n)) + "="
                    + java.util.Arrays.toString(java.util.Arrays.copyOf(values, n)));
        }

        @Override
        public boolean looksAhead(int workerId) {
            return ahead && workerId == 0;
        }

        @Override
        public void lookAhead(int workerId, float[] weights, float lr, float[] out) {
            for (int i = 0; i < weights.length; i++) {
                out[i] = weights[i] - lr;
            }
        }
    }

    private static ParameterServerCore core(Recorder recorder) {
        ParameterServerCore core = new ParameterServerCore(new FixtureRule(), t -> 0.5f, 0, new Asynchronous(), 1);
        core.setCompensation(recorder);
        core.register(0, "a");
        core.register(1, "b");
        core.initialize(0, LAYOUT, new float[] {1, 2, 3});
        return core;
    }

    /** Pulls through each kind of target; returns what each target received, in order. */
    private static List<float[]> pullEveryWay(ParameterServerCore core, int workerId) {
        List<float[]> got = new ArrayList<>();
        float[] array = new float[3];
        core.pull(workerId, array);
        got.add(array);
        FloatBuffer buffer = FloatBuffer.allocate(4).position(1);
        core.pull(workerId, buffer);
        assertEquals(1, buffer.position(), "the buffer's position is unchanged");
        got.add(new float[] {buffer.get(1), buffer.get(2), buffer.get(3)});
        float[][] read = new float[1][];
        core.pull(workerId, (weights, version) -> read[0] = weights.clone());
        got.add(read[0]);
        return got;
    }

    @Test
    void everyTargetTellsTheCompensationWhatWasSent() {
        Recorder r = new Recorder(false);
        ParameterServerCore core = core(r);
        for (float[] got : pullEveryWay(core, 1)) {
            assertArrayEquals(new float[] {1, 2, 3}, got);
        }
        assertEquals(List.of("1:[1.0, 2.0, 3.0]", "1:[1.0, 2.0, 3.0]", "1:[1.0, 2.0, 3.0]"), r.sent);
        pullEveryWay(core, ParameterServerCore.OBSERVER);
        assertEquals(3, r.sent.size(), "an observer's pull is not a send to a worker");
    }

    @Test
    void aLookAheadSendsItsWeightsThroughEveryTargetToItsWorkerOnly() {
        Recorder r = new Recorder(true);
        ParameterServerCore core = core(r);
        for (float[] got : pullEveryWay(core, 0)) {
            assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f}, got);
        }
        for (float[] got : pullEveryWay(core, 1)) {
            assertArrayEquals(new float[] {1, 2, 3}, got, "worker 1 is not looked ahead for");
        }
        for (float[] got : pullEveryWay(core, ParameterServerCore.OBSERVER)) {
            assertArrayEquals(new float[] {1, 2, 3}, got, "an observer sees the live weights");
        }
        assertEquals("0:[0.5, 1.5, 2.5]", r.sent.get(0), "the compensation learns the look-ahead weights");
        assertEquals("1:[1.0, 2.0, 3.0]", r.sent.get(3));
        assertArrayEquals(new float[] {1, 2, 3}, core.weights(), "the live weights are untouched");
    }

    @Test
    void aRowsPullSendsTheLookAheadRowsAndTellsTheCompensation() {
        Recorder r = new Recorder(true);
        ParameterServerCore core = core(r);
        float[] out = new float[3];
        core.pullRows(0, new int[] {0, 2, 9}, 2, out);
        assertArrayEquals(new float[] {0.5f, 2.5f, 0}, out);
        core.pullRows(1, new int[] {1}, 1, out);
        assertEquals(2, out[0]);
        core.pullRows(ParameterServerCore.OBSERVER, new int[] {1}, 1, out);
        assertEquals(List.of("0:rows[0, 2]=[0.5, 2.5]", "1:rows[1]=[2.0]"), r.sent);
    }

    @Test
    void aTargetWithoutRoomIsRefusedBeforeAnythingIsSent() {
        Recorder r = new Recorder(false);
        ParameterServerCore core = core(r);
        RequestException e = assertThrows(RequestException.class, () -> core.pull(1, new float[2]));
        assertTrue(e.getMessage().contains("weights buffer has 2 elements, model has 3"), e.getMessage());
        assertThrows(RequestException.class, () -> core.pull(1, FloatBuffer.allocate(2)));
        assertEquals(List.of(), r.sent);
    }

    @Test
    void aRuleAndACompensationCannotBothLookAhead() {
        final class AheadRule extends FixtureRule implements LookAhead {
            @Override
            public boolean looksAhead(int workerId) {
                return true;
            }

            @Override
            public void lookAhead(int workerId, float[] weights, float lr, float[] out) {
                System.arraycopy(weights, 0, out, 0, weights.length);
            }
        }
        ParameterServerCore core = new ParameterServerCore(new AheadRule(), t -> 0.5f, 0, new Asynchronous(), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> core.setCompensation(new Recorder(true)));
        assertTrue(e.getMessage().contains("both send look-ahead weights"), e.getMessage());
        assertEquals(StalenessCompensation.NONE, core.compensation());
    }
}
