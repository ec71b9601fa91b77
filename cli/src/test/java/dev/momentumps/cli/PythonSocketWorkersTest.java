package dev.momentumps.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.momentumps.server.checkpoint.CheckpointStore;
import dev.momentumps.server.core.CoreSnapshot;
import dev.momentumps.worker.data.SharedData;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --worker-script's Python workers on the server's payload socket: a short synchronous run of two Python
 * workers with {@code --transport socket} ends with the weights and momentum of the same run over TCP gRPC
 * bit for bit, and the run's summary names the path each took.
 */
class PythonSocketWorkersTest {
    private static final Path LINEAR = Path.of("..", "python", "examples", "linear.py");

    /** The run's summary and its server's final checkpoint. */
    private record Run(JsonNode summary, CoreSnapshot last) {
    }

    private static Run train(Path dir, String transport) throws Exception {
        Path airfoil = SharedData.file("airfoil_self_noise.dat");
        Path checkpoints = dir.resolve("checkpoints");
        CliRunner.Result r = CliRunner.run("train", "--worker-script", LINEAR.toString(), "--python-workers", "2",
                "--workers", "2", "--model", "linear", "--data", airfoil.toString(), "--rows", "1500",
                "--standardize", "all", "--batch-size", "10", "--updates", "40", "--mode", "sync", "--optimizer",
                "momentum", "--lr", "0.05", "--momentum", "0.9", "--transport", transport, "--checkpoint-dir",
                checkpoints.toString(), "--no-progress", "--out", dir.resolve("run").toString());
        assertEquals(0, r.exit(), r.err() + r.out());
        JsonNode summary = new ObjectMapper().readTree(dir.resolve("run").resolve("summary.json").toFile());
        List<CheckpointStore.Entry> entries = new CheckpointStore(checkpoints, 100).entries();
        assertFalse(entries.isEmpty(), "no checkpoint in " + checkpoints);
        CheckpointStore.Entry newest = entries.get(0);
        for (CheckpointStore.Entry e : entries) {
            newest = e.version() > newest.version() ? e : newest;
        }
        return new Run(summary, CheckpointStore.read(newest.file()));
    }

    @Test
    void pythonWorkersOnThePayloadSocketEndWhereTcpGrpcEnds(@TempDir Path dir) throws Exception {
        Run socket = train(dir.resolve("socket"), "socket");
        Run tcp = train(dir.resolve("tcp"), "tcp");
        // 40 pushes: 20 rounds of two
        assertEquals(20, socket.last().version(), socket.summary().toString());
        assertEquals(20, tcp.last().version(), tcp.summary().toString());
        assertTrue(socket.summary().get("transport").asText().startsWith("socket 40 pushes"),
                socket.summary().get("transport").asText());
        assertTrue(tcp.summary().get("transport").asText().startsWith("grpc-unary 40 pushes"),
                tcp.summary().get("transport").asText());
        assertArrayEquals(tcp.last().weights(), socket.last().weights(), "weights");
        assertEquals(tcp.last().ruleState().keySet(), socket.last().ruleState().keySet());
        for (String k : tcp.last().ruleState().keySet()) {
            assertArrayEquals(tcp.last().ruleState().get(k), socket.last().ruleState().get(k), k);
        }
        float[] zero = new float[tcp.last().weights().length];
        assertFalse(java.util.Arrays.equals(zero, socket.last().weights()), "the run moved the weights");
    }
}
