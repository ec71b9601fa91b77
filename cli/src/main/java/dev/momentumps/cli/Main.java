package dev.momentumps.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mps}: the momentum-ps command line. */
@Command(name = "mps", mixinStandardHelpOptions = true, version = "momentum-ps 0.1.0",
        description = "A gRPC parameter server for training with momentum under stale, noisy gradients.",
        subcommands = {TrainCommand.class, ServerCommand.class, WorkerCommand.class, StatusCommand.class,
                CompareCommand.class,
                dev.momentumps.cli.ExperimentCommand.class, dev.momentumps.cli.sweep.SweepCommand.class,
                dev.momentumps.cli.bench.BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        // a child of mps train (or sweep) exits when its parent dies, even by SIGKILL
        dev.momentumps.cli.run.ParentWatch.startFromEnvironment(System.getenv());
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        GroupedHelp.install(cl.getSubcommands().get("train"));
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // bad values that pass parsing (a file that does not exist, β out of range) get one line
            if (e instanceof IllegalArgumentException || e instanceof java.io.UncheckedIOException) {
                cmd.getErr().println(cmd.getColorScheme().errorText("mps " + cmd.getCommandName() + ": "
                        + e.getMessage()));
                return 2;
            }
            if (e instanceof io.grpc.StatusRuntimeException s) {
                // the server refused or could not be reached (wrong token, TLS mismatch, gone for good): one line
                cmd.getErr().println(cmd.getColorScheme().errorText("mps " + cmd.getCommandName() + ": the server "
                        + "answered " + s.getStatus().getCode() + ": " + s.getStatus().getDescription()));
                return 3;
            }
            throw e;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            // an unknown or malformed flag: one line naming it, no usage dump
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println(cmd.getColorScheme().errorText("mps " + cmd.getCommandName() + ": "
                    + ex.getMessage() + " (see 'mps " + cmd.getCommandName() + " --help')"));
            return 2;
        });
        return cl;
    }
}
