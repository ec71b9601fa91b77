package dev.momentumps.cli.options;

import dev.momentumps.server.core.NonFinitePolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Checkpoints, resuming, worker leases and what to do with NaN/Inf gradients. */
public final class RecoveryOptions {

    @Option(names = "--checkpoint-dir", paramLabel = "DIR",
            description = "Write checkpoints (ckpt-<version>.mps) here; with --resume and no --checkpoint-dir, "
                    + "the resume directory.")
    public Path checkpointDir;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "1000",
            description = "Checkpoint every N updates (0: not by count). Default: ${DEFAULT-VALUE}.")
    public long checkpointEvery = 1000;

    @Option(names = "--checkpoint-seconds", paramLabel = "S", defaultValue = "30",
            description = "Checkpoint every S seconds when something changed (0: not by time). Default: ${DEFAULT-VALUE}.")
    public long checkpointSeconds = 30;

    @Option(names = "--keep-checkpoints", paramLabel = "K", defaultValue = "3",
            description = "Keep the newest K checkpoints. Default: ${DEFAULT-VALUE}.")
    public int keepCheckpoints = 3;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Start from the newest valid checkpoint in DIR (corrupt ones are reported and skipped).")
    public Path resume;

    @Option(names = "--lease-ms", paramLabel = "MS", defaultValue = "30000",
            description = "A worker not heard from for this long is marked dead and rounds go on without it "
                    + "(0: never). Default: ${DEFAULT-VALUE}.")
    public long leaseMillis = 30_000;

    @Option(names = "--non-finite", paramLabel = "POLICY", defaultValue = "reject",
            description = "A gradient with NaN or Inf is refused (reject), acknowledged but not applied (skip), "
                    + "or applied with those elements set to 0 (zero). Default: ${DEFAULT-VALUE}.")
    public String nonFinite = "reject";

    /** Checks every value, naming the flag. */
    public void validate() {
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("--checkpoint-every must be >= 0, got " + checkpointEvery);
        }
        if (checkpointSeconds < 0) {
            throw new IllegalArgumentException("--checkpoint-seconds must be >= 0, got " + checkpointSeconds);
        }
        if (keepCheckpoints < 1) {
            throw new IllegalArgumentException("--keep-checkpoints must be >= 1, got " + keepCheckpoints);
        }
        if (leaseMillis < 0) {
            throw new IllegalArgumentException("--lease-ms must be >= 0, got " + leaseMillis);
        }
        if (resume != null && !java.nio.file.Files.isDirectory(resume)) {
            throw new IllegalArgumentException("--resume " + resume + ": no such directory");
        }
        nonFinitePolicy();
    }

    public NonFinitePolicy nonFinitePolicy() {
        try {
            return NonFinitePolicy.parse(nonFinite);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--non-finite: " + e.getMessage());
        }
    }

    /** Where checkpoints go, or null for none. */
    public Path checkpointDirectory() {
        return checkpointDir != null ? checkpointDir : resume;
    }

    public List<String> toArgs() {
        List<String> a = new ArrayList<>();
        Args.add(a, "--checkpoint-dir", checkpointDir);
        Args.add(a, "--resume", resume);
        a.addAll(policyArgs());
        return a;
    }

    /** The options other than the two directories (which a launched server gets as typed fields). */
    public List<String> policyArgs() {
        List<String> a = new ArrayList<>();
        Args.add(a, "--checkpoint-every", checkpointEvery);
        Args.add(a, "--checkpoint-seconds", checkpointSeconds);
        Args.add(a, "--keep-checkpoints", keepCheckpoints);
        Args.add(a, "--lease-ms", leaseMillis);
        Args.add(a, "--non-finite", nonFinite);
        return a;
    }
}
