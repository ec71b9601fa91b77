package dev.momentumps.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class JvmOptionsTest {

    @Test
    void theMpsScriptStartsAServerWithTheSameOptions() throws Exception {
        Path script = Path.of("..", "mps");
        String text = Files.readString(script);
        Matcher n = Pattern.compile("(?m)^netty_opts=\\((.*)\\)$").matcher(text);
        assertTrue(n.find(), "the mps script has no netty_opts=(...) line");
        assertEquals(JvmOptions.NETTY, List.of(n.group(1).trim().split("\\s+")));
        // the server's and the worker's lists take netty_opts as "${netty_opts[@]}"
        text = text.replace("\"${netty_opts[@]}\"", n.group(1).trim());
        Matcher m = Pattern.compile("(?m)^server_opts=\\((.*)\\)$").matcher(text);
        assertTrue(m.find(), "the mps script has no server_opts=(...) line");
        assertEquals(JvmOptions.SERVER, List.of(m.group(1).trim().split("\\s+")));
        Matcher w = Pattern.compile("(?m)^worker_opts=\\((.*)\\)$").matcher(text);
        assertTrue(w.find(), "the mps script has no worker_opts=(...) line");
        assertEquals(JvmOptions.WORKER, List.of(w.group(1).trim().split("\\s+")));
        Matcher e = Pattern.compile("(?m)^server_env=\\((.*)\\)$").matcher(text);
        assertTrue(e.find(), "the mps script has no server_env=(...) line");
        java.util.Map<String, String> env = new java.util.HashMap<>();
        for (String kv : e.group(1).trim().split("\\s+")) {
            env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        assertEquals(JvmOptions.SERVER_ENV, env);
    }

    @Test
    void serversAndWorkersGetTheirOwn() {
        assertEquals(JvmOptions.SERVER, JvmOptions.forCommand(List.of("server", "--port", "0")));
        assertEquals(JvmOptions.WORKER, JvmOptions.forCommand(List.of("worker", "--server", "x")));
        assertEquals(JvmOptions.WORKER, JvmOptions.forCommand(List.of("bench", "worker-loop", "--params", "6")));
        assertEquals(List.of(), JvmOptions.forCommand(List.of("bench", "transport")));
        assertEquals(List.of(), JvmOptions.forCommand(List.of("train")));
        assertEquals(List.of(), JvmOptions.forCommand(List.of()));
        assertEquals(JvmOptions.SERVER_ENV, JvmOptions.envForCommand(List.of("server")));
        assertEquals(java.util.Map.of(), JvmOptions.envForCommand(List.of("worker")));
    }

    @Test
    void theOptionsAreOnesThisJvmAccepts() throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(MpsProcesses.javaBinary()));
        cmd.addAll(JvmOptions.SERVER);
        cmd.addAll(JvmOptions.WORKER);
        cmd.add("-version");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
    }

    /** The Netty options really switch direct memory to allocation without zeroing (and without them it is off). */
    @Test
    void nettyAllocatesDirectMemoryWithoutACleaner() throws Exception {
        assertEquals("noCleaner=true", probe(JvmOptions.NETTY));
        assertEquals("noCleaner=false", probe(List.of()));
    }

    private static String probe(List<String> options) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(MpsProcesses.javaBinary()));
        cmd.addAll(options);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NettyAllocatorProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.waitFor(), out);
        return out;
    }
}
