package dev.momentumps.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad flags and bad files through {@link Main#run}: a non-zero exit and one line naming the culprit. */
class BadCommandLineTest {

    /** Runs the command line and returns its stderr; asserts a non-zero exit and a one-line message. */
    private static String fails(String... args) {
        return fails(1, args);
    }

    private static String fails(int lines, String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.run(args);
        } finally {
            System.setErr(saved);
        }
        String text = err.toString(StandardCharsets.UTF_8).strip();
        assertTrue(code != 0, "exit code " + code + " for " + String.join(" ", args));
        assertEquals(lines, text.lines().count(), lines + " line(s), got:\n" + text);
        return text;
    }

    private static void mentions(String text, String... parts) {
        for (String p : parts) {
            assertTrue(text.contains(p), "'" + text + "' should mention '" + p + "'");
        }
    }

    @Test
    void badFlagsAreNamed(@TempDir Path dir) {
        mentions(fails("train", "--in-process", "--lr", "-1", "--out", dir.toString()), "lr");
        mentions(fails("server", "--checkpoint-every", "-5"), "--checkpoint-every");
        mentions(fails("server", "--resume", dir.resolve("nowhere").toString()), "--resume", "nowhere");
        mentions(fails("server", "--non-finite", "clamp"), "--non-finite", "clamp");
        mentions(fails("server", "--keep-checkpoints", "0"), "--keep-checkpoints");
        mentions(fails("server", "--lease-ms", "ten"), "--lease-ms", "ten");
        mentions(fails("train", "--no-such-flag"), "--no-such-flag");
        mentions(fails("worker", "--token-file", dir.resolve("missing.token").toString()), "--token-file",
                "missing.token");
        mentions(fails("server", "--tls-cert", dir.resolve("c.pem").toString()), "--tls-cert", "--tls-key");
        mentions(fails("server", "--payload-port", "0", "--tls-cert", dir.resolve("c.pem").toString(), "--tls-key",
                dir.resolve("k.pem").toString()), "--payload-port", "plaintext", "--tls-cert");
        mentions(fails("worker", "--transport", "socket", "--tls-ca", dir.resolve("ca.pem").toString()),
                "--transport socket", "plaintext", "--tls-ca", "--transport tcp");
        mentions(fails("server", "--payload-port", "70000"), "--payload-port", "70000");
        mentions(fails("server", "--payload-port", "sometimes"), "--payload-port", "auto or none", "sometimes");
        mentions(fails("bench", "compare", "--warmup-seconds", "-1"), "--warmup-seconds", "-1");
        mentions(fails("bench", "compare", "--scaling-workers", "1,two"), "--scaling-workers", "two");
        mentions(fails("bench", "compare", "--scaling-workers", "0"), "--scaling-workers", "0");
        mentions(fails("bench", "transport", "--warmup-seconds", "-1"), "--warmup-seconds");
    }

    @Test
    void aResumeDirectoryWithOnlyCorruptCheckpointsIsRefused(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ckpt-00000000000000000007.mps"), "torn");
        String text = fails(2, "server", "--port", "0", "--resume", dir.toString());
        mentions(text, "skipping corrupt checkpoint", "ckpt-00000000000000000007.mps: truncated", "--resume",
                "no valid checkpoint");
    }

    @Test
    void aBadDataFileIsNamedWithLineAndColumn(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "1,2,3\n4,5,6\n7,oops,9\n");
        String text = fails("train", "--in-process", "--no-progress", "--model", "linear", "--data", csv.toString(),
                "--out", dir.resolve("run").toString());
        mentions(text, "bad.csv:3:2");
    }
}
