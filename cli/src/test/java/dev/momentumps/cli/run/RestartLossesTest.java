package dev.momentumps.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.wire.ParameterClient;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.client.ReconnectingParameterClient;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a restart the watching process may have seen an old version only (in a synchronous run it reported
 * "at least 0 updates lost" while a worker had seen 14 more): the count comes from what the workers log when
 * they reconnect, in the words the worker's own client writes.
 */
class RestartLossesTest {

    /** A server that answered version 114, then died and came back from a checkpoint at version 100. */
    private static final class RestartedServer implements ParameterClient {
        int pushes;

        @Override
        public Registration register(int rank, String name) {
            return new Registration(3, "sync", "sgd", 0, pushes == 0 ? 0 : 100);
        }

        @Override
        public boolean initialize(TensorLayout layout, float[] weights) {
            return false;
        }

        @Override
        public long pull(float[] out) {
            return 100;
        }

        @Override
        public PushResult push(long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                               float[] weightsOut) {
            if (pushes++ == 0) {
                return new PushResult(114, 0, true);
            }
            throw Status.UNAVAILABLE.withDescription("connection refused").asRuntimeException();
        }

        @Override
        public ServerStatus status() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void deregister() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void theWorkersReportOfItsLossIsTheCount(@TempDir Path dir) throws Exception {
        List<String> workerLog = new ArrayList<>();
        ReconnectingParameterClient worker = new ReconnectingParameterClient(new RestartedServer(), 1, 2, 5_000, 1,
                workerLog::add, null);
        worker.register(1, "w1");
        worker.push(0, 1, new float[1], 0, 1, null);
        worker.push(114, 2, new float[1], 0, 1, new float[1]); // the server is gone: reconnects
        assertEquals(14, worker.updatesLost());

        Path log0 = dir.resolve("worker-0.log");
        Path log1 = dir.resolve("worker-1.log");
        Files.writeString(log0, "worker 0 step 10/50 loss 0.5 version 110 staleness 0\n");
        Files.writeString(log1, "worker 1 step 10/50 loss 0.5 version 110 staleness 0\n");
        RestartLosses losses = new RestartLosses();
        List<Path> logs = List.of(log0, log1);
        assertEquals(List.of(), losses.scan(logs));

        losses.restarted(0); // the watching process saw no more than the checkpoint's version
        String line = String.join("\n", workerLog) + "\n";
        int half = line.length() / 2;
        Files.writeString(log1, line.substring(0, half), StandardOpenOption.APPEND);
        assertEquals(List.of(), losses.scan(logs), "half a line is not read yet");
        Files.writeString(log1, line.substring(half), StandardOpenOption.APPEND);
        List<String> events = losses.scan(logs);
        assertEquals(1, events.size(), events.toString());
        assertTrue(events.get(0).contains("at least 14 updates lost"), events.toString());
        assertTrue(events.get(0).startsWith("worker 1 reconnected at server version 100 after it saw version 114"),
                events.toString());
        assertEquals(List.of(), losses.scan(logs), "each line is read once");

        // another worker that saw less adds nothing; one that saw more raises the count
        Files.writeString(log0, "registered again (worker id 0) at server version 100; this worker last saw 104, "
                + "so at least 4 updates were lost\n", StandardOpenOption.APPEND);
        assertEquals(List.of(), losses.scan(logs));
        Files.writeString(log0, "registered again (worker id 0) at server version 100; this worker last saw 120, "
                + "so at least 20 updates were lost\n", StandardOpenOption.APPEND);
        assertTrue(losses.scan(logs).get(0).contains("at least 20 updates lost"));
    }
}
