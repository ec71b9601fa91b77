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
