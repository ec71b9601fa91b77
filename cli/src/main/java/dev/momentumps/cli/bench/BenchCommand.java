package dev.momentumps.cli.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mps bench}: throughput of the transport, of the update kernels, and the comparison with the peer. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: transport (real server + worker processes), apply (the update kernel alone), "
                + "compare (ours, the PyTorch RPC peer and the machine's limits, one after another).",
        subcommands = {TransportBench.class, ApplyBench.class, CompareBench.class, BenchWorker.class,
                CommandLine.HelpCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a benchmark: transport, apply or compare");
    }
}
