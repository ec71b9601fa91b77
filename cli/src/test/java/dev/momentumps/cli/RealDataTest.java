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

/** `mps train` on the shared real data sets (reported as skipped, with the paths searched, where they are absent). */
class RealDataTest {
    private static Path data(String name) {
        return SharedData.file(name);
    }

    @Test
    void a9aLogisticRegressionWithFourAsyncWorkers(@TempDir Path dir) throws Exception {
        Path a9a = data("a9a.libsvm");
        CliRunner.Result r = CliRunner.run("train", "--in-process", "--no-progress", "--workers", "4",
                "--data", a9a.toString(), "--train-lines", "32561", "--model", "logistic", "--lr", "0.05",
                "--epochs", "2", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err() + r.out());
        JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        // a linear model on a9a tops out near 0.85 test accuracy (LIBLINEAR: ~0.85) and predicting the majority
        // class gives 0.76; four asynchronous workers land between 0.83 and 0.85 depending on how the threads
        // are scheduled (the staleness they meet), so the bar sits below that spread and far above 0.76
        assertTrue(s.get("test_accuracy").asDouble() >= 0.82, s.toString());
        assertTrue(s.get("task").asText().contains("32561 train, 16281 test"), s.toString());
    }

    @Test
    void airfoilLinearLossComesDown(@TempDir Path dir) throws Exception {
        Path airfoil = data("airfoil_self_noise.dat");
        CliRunner.Result r = CliRunner.run("train", "--in-process", "--no-progress", "--workers", "1",
                "--data", airfoil.toString(), "--rows", "1500", "--standardize", "all", "--model", "linear",
                "--batch-size", "10", "--epochs", "2", "--lr", "0.01", "--momentum", "0.9", "--mode", "sync",
                "--out", dir.toString());
        assertEquals(0, r.exit(), r.err() + r.out());
        JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        // standardised labels start at loss 0.5 (w = 0); D2L reaches about 0.25 with these settings
        double loss = s.get("final_loss").asDouble();
        assertTrue(loss < 0.27, "airfoil loss " + loss);
        assertEquals(300, s.get("updates").asLong(), "1500 rows / batch 10 * 2 epochs");
    }
}
