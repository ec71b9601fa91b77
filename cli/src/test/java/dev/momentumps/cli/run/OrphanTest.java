package dev.momentumps.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kill -9} of {@code mps train} takes its server and worker processes with it. */
class OrphanTest {

    @Test
    void sigkillOfMpsTrainTakesItsServerAndWorkersWithIt(@TempDir Path dir) throws Exception {
        Process train = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                System.getProperty("java.class.path"), "dev.momentumps.cli.Main", "train", "--no-progress",
                "--workers", "2", "--model", "linear", "--samples", "2000", "--updates", "1000000", "--delay-ms", "20",
                "--out", dir.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("train.log").toFile())
                .start();
        List<ProcessHandle> children = List.of();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while ((children.size() < 3 || !Files.exists(dir.resolve("server.port"))) && System.nanoTime() < deadline) {
                assertTrue(train.isAlive(), Files.readString(dir.resolve("train.log")));
                Thread.sleep(100);
                children = train.children().toList();
            }
            assertEquals(3, children.size(), "a server and two workers: " + children);
            int port = Integer.parseInt(Files.readString(dir.resolve("server.port")).trim());

            train.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs in mps train
            assertEquals(137, train.exitValue());
            for (ProcessHandle c : children) {
                c.onExit().get(60, TimeUnit.SECONDS);
                assertFalse(c.isAlive(), "pid " + c.pid() + " outlived its parent");
            }
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(),
                    "the server's port is closed");
            assertTrue(Files.readString(dir.resolve("server.log")).contains("is gone; exiting"),
                    Files.readString(dir.resolve("server.log")));
        } finally {
            train.destroyForcibly();
            for (ProcessHandle c : children) {
                c.destroyForcibly();
            }
        }
    }
}
