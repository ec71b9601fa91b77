package dev.momentumps.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.momentumps.server.checkpoint.CheckpointStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mps train --resume DIR} continues from the newest checkpoint of an earlier run. */
class TrainResumeTest {

    private static JsonNode summary(Path run) throws Exception {
        return new ObjectMapper().readTree(run.resolve("summary.json").toFile());
    }

    @Test
    void aSecondRunResumesWhereTheFirstStopped(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first");
        assertEquals(0, Main.run("train", "--in-process", "--no-progress", "--updates", "600", "--samples", "2000",
                "--out", first.toString()));
        Path ckpts = first.resolve("checkpoints");
        assertEquals(600, CheckpointStore.read(new CheckpointStore(ckpts, 3).list().get(0)).version(),
                "the final checkpoint of the first run");
        assertEquals(600, summary(first).get("updates").asLong());

        Path second = dir.resolve("second");
        assertEquals(0, Main.run("train", "--in-process", "--no-progress", "--updates", "400", "--samples", "2000",
                "--resume", ckpts.toString(), "--out", second.toString()));
        JsonNode s = summary(second);
        assertEquals(1000, s.get("updates").asLong(), s.toString());
        assertEquals(1000, s.get("gradients_applied").asLong(), "counters continue too");
        assertEquals(1000, CheckpointStore.read(new CheckpointStore(ckpts, 3).list().get(0)).version());
    }
}
