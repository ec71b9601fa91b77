package dev.momentumps.server.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.momentumps.server.compensation.Compensations;
import dev.momentumps.server.compensation.DelayAdaptiveLearningRate;
import dev.momentumps.server.compensation.GapAware;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.CoreSnapshot;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The methods built for asynchrony resume from a checkpoint bit for bit: three workers with gradients in
 * flight across the checkpoint (computed on weights the server sent before it), the checkpoint written to
 * disk and read back into a fresh core, and both cores fed the same pushes afterwards.
 */
class AsyncMethodsCheckpointTest {
    static final TensorLayout LAYOUT = TensorLayout.builder().add("w", 3, 4).add("b", 4).build();
    static final int WORKERS = 3;

    /** One worker as the test drives it: the weights it pulled, their version, its push count. */
    static final class Worker {
        final float[] weights = new float[LAYOUT.numElements()];
        long base;
        long sequence;

        Worker copy() {
            Worker w = new Worker();
            System.arraycopy(weights, 0, w.weights, 0, weights.length);
            w.base = base;
            w.sequence = sequence;
            return w;
        }
    }

    /** A deterministic gradient of the weights the worker computed on: 0.3·w + a step- and element-dependent term. */
    static float[] gradient(float[] w, int step) {
        float[] g = new float[w.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = 0.3f * w[i] + (float) Math.sin(1.7 * step + 0.9 * i);
        }
        return g;
    }

    /** Steps [from, to): worker step % 3 pushes the gradient of what it pulled, then pulls again. */
    static void run(ParameterServerCore core, Worker[] ws, int from, int to) {
        for (int step = from; step < to; step++) {
            int id = step % WORKERS;
            Worker w = ws[id];
            core.push(id, w.base, ++w.sequence, gradient(w.weights, step), 0.5, 8);
            w.base = core.pull(id, w.weights);
        }
    }

    static void assertResumesBitForBit(Supplier<ParameterServerCore> make, Path dir) throws Exception {
        ParameterServerCore straight = make.get();
        Worker[] ws = new Worker[WORKERS];
        for (int r = 0; r < WORKERS; r++) {
            assertEquals(r, straight.register(r, "w" + r));
            ws[r] = new Worker();
        }
        float[] w0 = new float[LAYOUT.numElements()];
        for (int i = 0; i < w0.length; i++) {
            w0[i] = 0.1f * (i % 5) - 0.2f;
        }
        straight.initialize(0, LAYOUT, w0);
        for (int r = 0; r < WORKERS; r++) {
            ws[r].base = straight.pull(r, ws[r].weights);
        }
        run(straight, ws, 0, 10);
        CheckpointStore store = new CheckpointStore(dir, 1);
        store.write(straight.snapshot());
        Worker[] resumedWorkers = new Worker[WORKERS];
        for (int r = 0; r < WORKERS; r++) {
            resumedWorkers[r] = ws[r].copy();
            resumedWorkers[r].sequence = 0; // a worker that registers again starts its sequence afresh
        }
        ParameterServerCore resumed = make.get();
        resumed.restore(store.loadNewestValid(m -> { }).snapshot());
        for (int r = 0; r < WORKERS; r++) {
            assertEquals(r, resumed.register(r, "w" + r));
        }
        run(straight, ws, 10, 25);
        run(resumed, resumedWorkers, 10, 25);
        assertArrayEquals(straight.weights(), resumed.weights(), straight.rule() + " + " + straight.compensation());
        CoreSnapshot a = straight.snapshot();
        CoreSnapshot b = resumed.snapshot();
        for (Map.Entry<String, float[]> e : a.ruleState().entrySet()) {
            assertArrayEquals(e.getValue(), b.ruleState().get(e.getKey()), e.getKey());
        }
        for (Map.Entry<String, byte[]> e : a.extensions().entrySet()) {
            assertArrayEquals(e.getValue(), b.extensions().get(e.getKey()), e.getKey());
        }
        straight.close();
        resumed.close();
    }

    static ParameterServerCore core(String rule) {
        OptimizerConfig c = OptimizerConfig.defaults(rule);
        return new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0, new Asynchronous(), 1);
    }

    @Test
    void gapAwareWithDelayAdaptiveStepsAndMomentum(@TempDir Path dir) throws Exception {
        assertResumesBitForBit(() -> {
            ParameterServerCore c = core("momentum");
            c.setCompensation(Compensations.of(List.of(new GapAware(), new DelayAdaptiveLearningRate(2))));
            return c;
        }, dir);
    }

    @Test
    void nagDanaAndClosedLoop(@TempDir Path dir) throws Exception {
        assertResumesBitForBit(() -> core("nag"), dir.resolve("nag"));
        assertResumesBitForBit(() -> {
            OptimizerConfig c = OptimizerConfig.builder("dana").workers(WORKERS).build();
            return new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0, new Asynchronous(), 1);
        }, dir.resolve("dana"));
        assertResumesBitForBit(() -> {
            OptimizerConfig c = OptimizerConfig.builder("closed-loop").gain(0.1).build();
            return new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0, new Asynchronous(), 1);
        }, dir.resolve("closed-loop"));
    }

    @Test
    void easgdCenterAndSlowMomentum(@TempDir Path dir) throws Exception {
        assertResumesBitForBit(() -> core("easgd"), dir.resolve("easgd"));
        assertResumesBitForBit(() -> {
            OptimizerConfig c = OptimizerConfig.builder("slowmo").lr(0.7).beta(0.6).build();
            return new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0, new Asynchronous(), 1);
        }, dir.resolve("slowmo"));
    }

    @Test
    void adamWithTheRootAroundEpsilon(@TempDir Path dir) throws Exception {
        assertResumesBitForBit(() -> {
            OptimizerConfig c = OptimizerConfig.builder("adam").epsInsideRoot(true).build();
            return new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0, new Asynchronous(), 1);
        }, dir);
    }
}
