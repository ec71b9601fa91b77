package dev.momentumps.worker.client;

import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.ShardRole;
import dev.momentumps.server.grpc.ServerHost;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.TensorCodec;
import dev.momentumps.worker.loop.TrainingLoop;
import dev.momentumps.worker.task.GradientTask;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.TaskSpec;
import dev.momentumps.worker.task.Tasks;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** S in-process gRPC server shards against one server: synchronous training must give identical weights. */
class ShardedParameterClientTest {
    private static final int WORKERS = 3;
    private static final long STEPS = 25;
    private static final long DEADLINE_MS = 20_000;
    /** softmax, 3 classes x 20 features: weight[3,20] (60 elements, split when the threshold is 16) and bias[3] */
    private static final TaskSpec SPEC = new TaskSpec("softmax", TaskSpec.SYNTHETIC, "auto", null, 0, 0, false, -1,
            "auto", 900, 20, 3, 0.1, 0.2, 8, 1.0, 100.0, 16, 7, 0.0);

    private final List<ServerHost> hosts = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (ServerHost h : hosts) {
            h.stop(1_000);
        }
    }

    private void startShards(int s, OptimizerConfig cfg, boolean sharded, int threshold) throws Exception {
        for (int k = 0; k < s; k++) {
            String name = InProcessServerBuilder.generateName();
            ParameterServerCore core = new ParameterServerCore(UpdateRules.create(cfg), UpdateRules.schedule(cfg), 0f,
                    new Synchronous(), 1);
            hosts.add(new ServerHost(InProcessServerBuilder.forName(name), core, name, TensorCodec.DEFAULT_CHUNK_BYTES,
                    DEADLINE_MS, sharded ? new ShardRole(k, s, threshold) : ShardRole.SINGLE).start());
            names.add(name);
        }
    }

    private List<ManagedChannel> channels() {
        List<ManagedChannel> out = new ArrayList<>();
        for (String n : names) {
            out.add(InProcessChannelBuilder.forName(n).build());
        }
        return out;
    }

    /** Trains WORKERS workers synchronously for STEPS steps each; returns the final weights. */
    private float[] train(int shards, OptimizerConfig cfg, int threshold) throws Exception {
        startShards(shards, cfg, shards > 1, threshold);
        Task task = Tasks.build(SPEC);
        TensorLayout layout = task.model().layout();
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        try {
            List<Future<TrainingLoop.Result>> results = new ArrayList<>();
            for (int rank = 0; rank < WORKERS; rank++) {
                GradientTask source = task.worker(SPEC, rank, WORKERS);
                int r = rank;
                results.add(pool.submit(() -> {
                    // every round must hold all workers, whatever order the threads start in
                    try (ParameterClient c = new RegistrationBarrier(client(shards, layout, threshold), WORKERS,
                            DEADLINE_MS)) {
                        return new TrainingLoop(c, source, r, "w" + r, STEPS, 0, null).run();
                    }
                }));
            }
            for (Future<TrainingLoop.Result> f : results) {
                assertEquals(STEPS, f.get(60, TimeUnit.SECONDS).steps());
            }
        } finally {
            pool.shutdownNow();
        }
        float[] w = new float[layout.numElements()];
        try (ParameterClient observer = client(shards, layout, threshold)) {
            assertEquals(STEPS, observer.pull(w));
            assertEquals(STEPS * WORKERS, observer.status().gradientsApplied());
        }
        return w;
    }

    private ParameterClient client(int shards, TensorLayout layout, int threshold) {
        List<ManagedChannel> ch = channels();
        return shards == 1 ? new GrpcParameterClient(ch.get(0), true, DEADLINE_MS)
                : new ShardedParameterClient(ch, layout, threshold, DEADLINE_MS);
    }

    private void assertBitIdentical(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                    "element " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }

    private float[] trainAndReset(int shards, OptimizerConfig cfg, int threshold) throws Exception {
        float[] w = train(shards, cfg, threshold);
        stop();
        hosts.clear();
        names.clear();
        return w;
    }

    @Test
    void threeShardsGiveBitIdenticalWeightsToOneServerWithAdamAndASchedule() throws Exception {
        OptimizerConfig cfg = OptimizerConfig.builder("adam").lr(0.05).schedule("cosine:steps=25").build();
        float[] one = trainAndReset(1, cfg, 16);
        float[] three = trainAndReset(3, cfg, 16);
        assertBitIdentical(one, three);
        float[] initial = new float[one.length];
        Tasks.build(SPEC).worker(SPEC, 0, 1).initialWeights(initial);
        assertFalse(java.util.Arrays.equals(initial, one), "training changed nothing");
    }

    @Test
    void twoShardsGiveBitIdenticalWeightsWithHeavyBallMomentumAndTheDefaultThreshold() throws Exception {
        OptimizerConfig cfg = OptimizerConfig.builder("momentum").lr(0.1).beta(0.9).build();
        assertBitIdentical(trainAndReset(1, cfg, 16), trainAndReset(2, cfg, 1 << 16));
    }

    @Test
    void aWorkerWithTheShardsInAnotherOrderIsRefused() throws Exception {
        startShards(2, OptimizerConfig.builder("sgd").lr(0.1).build(), true, 16);
        TensorLayout layout = Tasks.build(SPEC).model().layout();
        List<ManagedChannel> swapped = channels();
        java.util.Collections.reverse(swapped);
        try (ShardedParameterClient c = new ShardedParameterClient(swapped, layout, 16, DEADLINE_MS)) {
            c.register(0, "w0");
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> c.initialize(layout, new float[layout.numElements()]));
            assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("same order"), e.getStatus().getDescription());
        }
        try (GrpcParameterClient plain = new GrpcParameterClient(channels().get(0), true, DEADLINE_MS)) {
            plain.register(0, "w0");
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> plain.initialize(layout, new float[layout.numElements()]));
            assertTrue(e.getStatus().getDescription().contains("--servers"), e.getStatus().getDescription());
        }
    }
}
