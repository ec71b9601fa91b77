package dev.momentumps.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The methods built for asynchrony from {@code mps train}: simulated runs with each, and bad values refused. */
class AsyncMethodsCommandTest {

    private static String simulate(Path dir, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("train", "--simulate", "--no-progress", "--out", dir.toString(),
                "--model", "quadratic", "--features", "6", "--updates", "200", "--workers", "4",
                "--compute-time", "exp:1"));
        args.addAll(List.of(extra));
        assertEquals(0, Main.run(args.toArray(new String[0])));
        return Files.readString(dir.resolve("summary.json"));
    }

    @Test
    void compensationsAndTheRootAroundEpsilonRunSimulated(@TempDir Path tmp) throws Exception {
        String s = simulate(tmp.resolve("a"), "--optimizer", "momentum", "--lr", "0.005", "--gap-aware", "--delay-adaptive-lr", "4");
        assertTrue(s.contains("gap-aware(gamma=0.999, eps=1.0E-8) + delay-adaptive-lr(M=4)"), s);
        s = simulate(tmp.resolve("b"), "--optimizer", "adam", "--lr", "0.01", "--eps-inside-root");
        assertTrue(s.contains("eps_inside_root=true"), s);
    }

    @Test
    void lookAheadRulesAndClosedLoopRunSimulated(@TempDir Path tmp) throws Exception {
        assertTrue(simulate(tmp.resolve("nag"), "--optimizer", "nag", "--lr", "0.005").contains("nag(lr=0.005"));
        assertTrue(simulate(tmp.resolve("dana"), "--optimizer", "dana", "--lr", "0.005")
                .contains("dana(lr=0.005, beta=0.9, workers=4"));
        assertTrue(simulate(tmp.resolve("cl"), "--optimizer", "closed-loop", "--lr", "0.005", "--target-momentum",
                "0.5", "--momentum-gain", "0.05").contains("closed-loop(lr=0.005, beta=0.9, target=0.5, gain=0.05"));
    }

    private static double finalLoss(String summary) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(summary).get("final_loss").asDouble();
    }

    /**
     * The quadratic starts at a loss of about 42; each method brings it below 1 in 200 pushes (SlowMo with
     * α = 1 diverges here: four workers add their displacements from stale weights).
     */
    @Test
    void localStepMethodsAndDanaSlimRunSimulated(@TempDir Path tmp) throws Exception {
        String s = simulate(tmp.resolve("slowmo"), "--optimizer", "slowmo", "--lr", "0.5", "--local-steps", "4", "--local-lr",
                "0.005", "--local-momentum", "0.5");
        assertTrue(s.contains("slowmo(lr=0.5, beta=0.5") && s.contains("local-sgd(steps=4, lr=0.005, momentum=0.5)"), s);
        assertTrue(finalLoss(s) < 1, s);
        s = simulate(tmp.resolve("eamsgd"), "--optimizer", "easgd", "--lr", "0.3", "--local-steps", "4",
                "--local-lr", "0.005", "--local-momentum", "0.5");
        assertTrue(s.contains("easgd(lr=0.3") && s.contains("eamsgd(steps=4, lr=0.005, alpha=0.3, delta=0.5)"), s);
        assertTrue(finalLoss(s) < 1, s);
        s = simulate(tmp.resolve("slim"), "--optimizer", "sgd", "--lr", "0.005", "--dana-slim", "0.9");
        assertTrue(s.contains("dana-slim(gamma=0.9)"), s);
        assertTrue(finalLoss(s) < 1, s);
    }

    /** EASGD in real processes: the workers push their weights, the server process keeps the center. */
    @Test
    void easgdRunsWithWorkerProcesses(@TempDir Path dir) throws Exception {
        CliRunner.Result r = CliRunner.run("train", "--no-progress", "--workers", "2", "--model", "quadratic",
                "--features", "6", "--updates", "120", "--optimizer", "easgd", "--lr", "0.3", "--local-steps", "4",
                "--local-lr", "0.005", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err() + r.out());
        String s = Files.readString(dir.resolve("summary.json"));
        assertTrue(s.contains("easgd(lr=0.3") && s.contains("\"updates\" : 120"), s);
        assertTrue(finalLoss(s) < 1, s);
        assertTrue(Files.readString(dir.resolve("worker-1.log")).contains("easgd(steps=4, lr=0.005, alpha=0.3)"));
    }

    @Test
    void localStepFlagsThatDoNotFitAreRefused(@TempDir Path tmp) {
        assertEquals(2, Main.run("train", "--simulate", "--optimizer", "slowmo", "--local-steps", "4", "--out",
                tmp.toString()));
        assertEquals(2, Main.run("train", "--simulate", "--optimizer", "sgd", "--elastic", "0.3", "--local-lr", "0.1",
                "--out", tmp.toString()));
        assertEquals(2, Main.run("train", "--simulate", "--optimizer", "sgd", "--dana-slim", "0.9", "--local-steps",
                "2", "--local-lr", "0.1", "--out", tmp.toString()));
        assertEquals(2, Main.run("train", "--simulate", "--optimizer", "easgd", "--lr", "0.3", "--elastic", "0.2",
                "--local-lr", "0.1", "--out", tmp.toString()));
        assertEquals(2, Main.run("train", "--simulate", "--optimizer", "sgd", "--local-steps", "0", "--local-lr",
                "0.1", "--out", tmp.toString()));
    }

    @Test
    void badValuesNameTheFlag(@TempDir Path tmp) {
        assertEquals(2, Main.run("train", "--simulate", "--delay-adaptive-lr", "0", "--out", tmp.toString()));
        assertEquals(2, Main.run("train", "--simulate", "--optimizer", "sgd", "--eps-inside-root", "--out",
                tmp.toString()));
        assertEquals(2, Main.run("train", "--simulate", "--optimizer", "dana", "--mode", "sync", "--out",
                tmp.toString()));
        assertEquals(2, Main.run("train", "--simulate", "--optimizer", "closed-loop", "--momentum-gain", "2", "--out",
                tmp.toString()));
    }
}
