package dev.momentumps.cli.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts {@code mps} subcommands in child JVMs (same java binary and class path as this one). */
public final class MpsProcesses {
    private MpsProcesses() {
    }

    /**
     * Starts {@code mps ARGS...} with stdout and stderr going to {@code log}; the child exits when this process
     * dies ({@link ParentWatch}).
     */
    public static Process start(List<String> args, Path log) throws IOException {
        return start(args, log, java.util.Map.of());
    }

    /** As above, with {@code env} added to the child's environment (e.g. the bearer token, never an argument). */
    public static Process start(List<String> args, Path log, java.util.Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(args)).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(JvmOptions.envForCommand(args));
        pb.environment().putAll(env);
        pb.environment().putAll(ParentWatch.forChild()); // the child exits when this process dies, even by SIGKILL
        return pb.start();
    }

    /** The command line of a child JVM running {@code mps ARGS...} with its JVM options. */
    public static List<String> command(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-Djava.awt.headless=true"));
        cmd.addAll(JvmOptions.forCommand(args));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.momentumps.cli.Main"));
        cmd.addAll(args);
        return cmd;
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
