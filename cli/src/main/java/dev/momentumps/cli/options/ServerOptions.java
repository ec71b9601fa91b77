package dev.momentumps.cli.options;

import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.codec.TensorCodec;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Everything that makes a server: update rule, consistency, and the knobs of the core. */
public final class ServerOptions {

    @Mixin
    public OptimizerOptions optimizer = new OptimizerOptions();

    @Mixin
    public ConsistencyOptions consistency = new ConsistencyOptions();

    @Mixin
    public RecoveryOptions recovery = new RecoveryOptions();

    @Option(names = "--apply-threads", paramLabel = "N", defaultValue = "0",
            description = "Threads applying an update to a big tensor; 0: one per core.")
    public int applyThreads;

    @Option(names = "--chunk-bytes", paramLabel = "BYTES", defaultValue = "" + TensorCodec.DEFAULT_CHUNK_BYTES,
            description = "Bytes per tensor chunk on the wire. Default: ${DEFAULT-VALUE}.")
    public int chunkBytes = TensorCodec.DEFAULT_CHUNK_BYTES;

    @Option(names = "--wait-ms", paramLabel = "MS", defaultValue = "60000",
            description = "Longest a call waits for a synchronous round or the staleness bound. Default: ${DEFAULT-VALUE}.")
    public long waitMillis = 60_000;

    @Option(names = "--max-params", paramLabel = "N", defaultValue = "0",
            description = "The largest model this server accepts, in parameters: an Initialize naming more is refused "
                    + "before anything is allocated (0: up to 2^31 - 9). Default: ${DEFAULT-VALUE}.")
    public long maxParams;

    @Option(names = "--inflight-mib", paramLabel = "MIB", defaultValue = "0",
            description = "Memory the Push and Initialize streams in flight may hold together, in MiB; a stream over "
                    + "it is refused with RESOURCE_EXHAUSTED (0: a quarter of the heap, at least 64). "
                    + "Default: ${DEFAULT-VALUE}.")
    public long inflightMib;

    @Option(names = "--gap-meter", negatable = true,
            description = "Measure every gradient's gap ||w_apply - w_computed|| (the weights it is applied to against "
                    + "the ones its worker was sent) into the --metrics file's gap column; costs a copy of the weights "
                    + "per worker. mps server: off unless given; mps train: on unless the workers' copies would "
                    + "exceed 512 MiB or the model is sharded (a shard sees its part of the weights only).")
    public Boolean gapMeter;

    /** A core built from these options. */
    public ParameterServerCore createCore() {
        if (applyThreads < 0) {
            throw new IllegalArgumentException("--apply-threads must be >= 0, got " + applyThreads);
        }
        if (chunkBytes < 4 || chunkBytes > (16 << 20)) {
            throw new IllegalArgumentException("--chunk-bytes must be in [4, 16777216], got " + chunkBytes);
        }
        if (waitMillis < 1) {
            throw new IllegalArgumentException("--wait-ms must be >= 1, got " + waitMillis);
        }
        if (maxParams < 0 || maxParams > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("--max-params must be in [0, " + (Integer.MAX_VALUE - 8) + "], got "
                    + maxParams);
        }
        if (inflightMib < 0 || inflightMib > (1L << 40)) {
            throw new IllegalArgumentException("--inflight-mib must be >= 0, got " + inflightMib);
        }
        recovery.validate();
        int threads = applyThreads == 0 ? Runtime.getRuntime().availableProcessors() : applyThreads;
        var compensation = consistency.compensation(); // checked before the core starts its threads
        if (Boolean.TRUE.equals(gapMeter)) {
            compensation = dev.momentumps.server.compensation.GapMeter.with(compensation);
        }
        var model = consistency.create();
        if (optimizer.rule.trim().equalsIgnoreCase("dana")
                && model.kind() != dev.momentumps.wire.ConsistencyKind.ASYNCHRONOUS) {
            throw new IllegalArgumentException("--optimizer dana keeps a momentum per worker and needs --mode async, "
                    + "not " + consistency.mode);
        }
        ParameterServerCore core = new ParameterServerCore(optimizer.rule(), optimizer.schedule(),
                (float) optimizer.config().clipNorm(), model, threads);
        core.setCompensation(compensation);
        core.setNonFinitePolicy(recovery.nonFinitePolicy());
        if (maxParams > 0) {
            core.setMaxParams(maxParams);
        }
        if (inflightMib > 0) {
            core.setInflightBytes(inflightMib << 20);
        }
        return core;
    }

    public List<String> toArgs() {
        List<String> a = new ArrayList<>(optionArgs());
        a.addAll(recovery.toArgs());
        return a;
    }

    /**
     * Every option but the checkpoint and resume directories, which a launched server gets as typed
     * fields ({@link dev.momentumps.cli.run.ServerLaunch}).
     */
    public List<String> optionArgs() {
        List<String> a = new ArrayList<>(optimizer.toArgs());
        a.addAll(consistency.toArgs());
        Args.add(a, "--apply-threads", applyThreads);
        Args.add(a, "--chunk-bytes", chunkBytes);
        Args.add(a, "--wait-ms", waitMillis);
        if (maxParams > 0) {
            Args.add(a, "--max-params", maxParams);
        }
        if (inflightMib > 0) {
            Args.add(a, "--inflight-mib", inflightMib);
        }
        if (gapMeter != null) {
            a.add(gapMeter ? "--gap-meter" : "--no-gap-meter");
        }
        a.addAll(recovery.policyArgs());
        return a;
    }
}
