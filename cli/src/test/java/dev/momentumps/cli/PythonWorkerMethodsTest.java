package dev.momentumps.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.momentumps.worker.data.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mps train hands the worker-side methods (--local-steps, --dana-slim) to --worker-script's Python workers as to
 * its Java workers: a mixed run of one Python and one Java worker, each pushing what the method says. The
 * formulas themselves are held to the Java classes bit for bit by python/tests/test_worker_methods.py.
 */
class PythonWorkerMethodsTest {
    private static final Path LINEAR = Path.of("..", "python", "examples", "linear.py");

    private static JsonNode train(Path dir, String... flags) throws Exception {
        Path airfoil = SharedData.file("airfoil_self_noise.dat");
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "--worker-script",
                LINEAR.toString(), "--python-workers", "1", "--workers", "2", "--model", "linear", "--data",
                airfoil.toString(), "--rows", "1500", "--standardize", "all", "--batch-size", "10", "--epochs", "1",
                "--no-progress", "--out", dir.toString()));
        args.addAll(java.util.List.of(flags));
        CliRunner.Result r = CliRunner.run(args.toArray(new String[0]));
        assertEquals(0, r.exit(), r.err() + r.out());
        return new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    }

    private static long pushesOfRank(JsonNode summary, int rank) {
        for (JsonNode w : summary.get("per_worker")) {
            if (w.get("rank").asInt() == rank) {
                return w.get("pushes").asLong();
            }
        }
        throw new AssertionError("no rank " + rank + " in " + summary);
    }

    @Test
    void pythonAndJavaWorkersTakeTheSameLocalStepsForSlowMo(@TempDir Path dir) throws Exception {
        JsonNode s = train(dir, "--optimizer", "slowmo", "--lr", "0.5", "--local-steps", "3", "--local-lr", "0.02");
        // 750 rows a rank, batch 10: 75 minibatches, 25 pushes of 3 local steps, Python (rank 0) and Java alike
        assertEquals(25, pushesOfRank(s, 0), s.toString());
        assertEquals(25, pushesOfRank(s, 1), s.toString());
        String python = Files.readString(dir.resolve("worker-0.log"));
        assertTrue(python.contains("local-sgd(steps=3, lr=0.02, momentum=0.0)") && python.contains("done: 25 steps"),
                python);
        assertTrue(s.get("final_loss").asDouble() < 0.45, "from 0.5 at zero weights: " + s);
    }

    @Test
    void pythonWorkersKeepDanaSlimsMomentum(@TempDir Path dir) throws Exception {
        JsonNode s = train(dir, "--optimizer", "sgd", "--lr", "0.01", "--dana-slim", "0.9");
        assertEquals(75, pushesOfRank(s, 0), s.toString());
        assertTrue(Files.readString(dir.resolve("worker-0.log")).contains("dana-slim(gamma=0.9)"));
        assertTrue(s.get("final_loss").asDouble() < 0.45, "from 0.5 at zero weights: " + s);
    }
}
