package dev.momentumps.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mps train} reports its checkpoints: in its output, in summary.json and in its exit code. */
class CheckpointReportTest {

    private static JsonNode summary(Path run) throws Exception {
        return new ObjectMapper().readTree(run.resolve("summary.json").toFile());
    }

    private static long count(String text, String what) {
        return text.lines().filter(l -> l.contains(what)).count();
    }

    /** A checkpoint directory below a regular file: every write fails, whoever runs the test. */
    private static Path failingDirectory(Path dir) throws Exception {
        Path blocker = dir.resolve("blocker");
        Files.writeString(blocker, "a file where a directory should be");
        return blocker.resolve("checkpoints");
    }

    @Test
    void aRunThatCouldWriteNoCheckpointSaysSoAndFails(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        CliRunner.Result r = CliRunner.run("train", "--in-process", "--no-progress", "--updates", "300",
                "--samples", "2000", "--checkpoint-every", "10", "--checkpoint-dir", failingDirectory(dir).toString(),
                "--out", run.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals(1, count(r.out(), "ERROR: no checkpoint could be written"), r.out());
        JsonNode c = summary(run).get("checkpoint");
        assertEquals(0, c.get("written").asLong(), c.toString());
        // one attempt, then a backoff of a second and more: far fewer attempts than the 30 due by count
        long failures = c.get("failures").asLong();
        assertTrue(failures >= 2 && failures < 15, c.toString());
        assertTrue(c.get("last_error").asText().contains("blocker"), c.toString());
    }

    @Test
    void aServerProcessReportsItsFailingCheckpointsOnceAndTheRunFails(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        CliRunner.Result r = CliRunner.run("train", "--no-progress", "--workers", "2", "--model", "linear",
                "--samples", "2000", "--updates", "300", "--checkpoint-every", "10",
                "--checkpoint-dir", failingDirectory(dir).toString(), "--out", run.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals(1, count(r.out(), "momentum-ps: checkpoint failed: "), r.out());
        assertEquals(1, count(r.out(), "ERROR: no checkpoint could be written"), r.out());
        assertEquals(1, count(Files.readString(run.resolve("server.log")), "checkpoint failed"),
                Files.readString(run.resolve("server.log")));
        JsonNode c = summary(run).get("checkpoint");
        assertEquals(0, c.get("written").asLong(), c.toString());
        assertTrue(c.get("failures").asLong() >= 2, "the final checkpoint is attempted too: " + c);
    }

    @Test
    void aHealthyRunCountsItsCheckpoints(@TempDir Path dir) throws Exception {
        CliRunner.Result r = CliRunner.run("train", "--no-progress", "--workers", "2", "--model", "linear",
                "--samples", "2000", "--updates", "300", "--checkpoint-every", "100", "--out", dir.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        JsonNode c = summary(dir).get("checkpoint");
        assertEquals(0, c.get("failures").asLong(), c.toString());
        assertEquals(300, c.get("last_version").asLong(), "the final checkpoint holds the last update: " + c);
        assertTrue(c.get("written").asLong() >= 3, c.toString());
        assertTrue(r.out().contains("checkpoints   "), r.out());
    }
}
