package dev.momentumps.cli.options;

import dev.momentumps.server.compensation.Compensations;
import dev.momentumps.server.compensation.DelayAdaptiveLearningRate;
import dev.momentumps.server.compensation.DelayCompensation;
import dev.momentumps.server.compensation.GapAware;
import dev.momentumps.server.compensation.StalenessAwareLearningRate;
import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.BackupWorkers;
import dev.momentumps.server.consistency.ConsistencyModel;
import dev.momentumps.server.consistency.StaleSynchronous;
import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.wire.ConsistencyKind;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The consistency model (when the server applies gradients) and the staleness compensation. */
public final class ConsistencyOptions {

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "async",
            description = "Consistency: async or asp (apply each push), sync or bsp (average one gradient per worker), "
                    + "ssp (stale synchronous, bound --staleness-bound), backup (BSP over the first N of N+b "
                    + "workers, b = --backup-workers). Default: ${DEFAULT-VALUE}.")
    public String mode = "async";

    @Option(names = "--staleness-bound", paramLabel = "S", defaultValue = "3",
            description = "ssp: a worker at clock c pulls only once the slowest has reached c - S "
                    + "(0 behaves as BSP). Default: ${DEFAULT-VALUE}.")
    public int stalenessBound = 3;

    @Option(names = "--backup-workers", paramLabel = "B", defaultValue = "1",
            description = "backup: each round drops the last B gradients (counted as dropped). Default: ${DEFAULT-VALUE}.")
    public int backupWorkers = 1;

    @Option(names = "--staleness-lr",
            description = "Staleness-aware learning rate (Zhang et al. 2016): a gradient of staleness tau > 0 is "
                    + "applied with lr/tau. Composes with any optimizer and mode.")
    public boolean stalenessLr;

    @Option(names = "--delay-adaptive-lr", paramLabel = "M",
            description = "Delay-adaptive step size (Mishchenko et al. 2022): a gradient of delay tau is applied with "
                    + "lr*M/max(M, tau), M the number of workers. Composes with any optimizer and mode.")
    public Integer delayAdaptiveWorkers;

    @Option(names = "--gap-aware",
            description = "Gap-Aware (Barkai et al. 2020): divide each gradient element by 1 + |w - w_stale|/C, "
                    + "w_stale the weights last sent to its worker, C the running RMS step of that element.")
    public boolean gapAware;

    @Option(names = "--dc-lambda", paramLabel = "LAMBDA", defaultValue = "0",
            description = "DC-ASGD (Zheng et al. 2017): g + LAMBDA*g*g*(w - w_bak), w_bak being the weights last "
                    + "sent to the gradient's worker; 0: off. Default: ${DEFAULT-VALUE}.")
    public double dcLambda;

    @Option(names = "--dc-adaptive",
            description = "DC-ASGD-a: LAMBDA divided per element by sqrt(MeanSquare(g)), decay 0.95.")
    public boolean dcAdaptive;

    public ConsistencyKind kind() {
        try {
            return ConsistencyKind.parse(mode);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--mode: " + e.getMessage());
        }
    }

    /** A fresh consistency model for one server. */
    public ConsistencyModel create() {
        if (stalenessBound < 0) {
            throw new IllegalArgumentException("--staleness-bound must be >= 0, got " + stalenessBound);
        }
        if (backupWorkers < 0) {
            throw new IllegalArgumentException("--backup-workers must be >= 0, got " + backupWorkers);
        }
        return switch (kind()) {
            case ASYNCHRONOUS -> new Asynchronous();
            case SYNCHRONOUS -> new Synchronous();
            case STALE_SYNCHRONOUS -> new StaleSynchronous(stalenessBound);
            case BACKUP_WORKERS -> new BackupWorkers(backupWorkers);
        };
    }

    /** A fresh staleness compensation for one server (none unless asked for). */
    public StalenessCompensation compensation() {
        if (!(dcLambda >= 0) || !Double.isFinite(dcLambda)) {
            throw new IllegalArgumentException("--dc-lambda must be finite and >= 0, got " + dcLambda);
        }
        if (dcAdaptive && dcLambda == 0) {
            throw new IllegalArgumentException("--dc-adaptive needs --dc-lambda > 0");
        }
        List<StalenessCompensation> parts = new ArrayList<>();
        if (dcLambda > 0) {
            parts.add(new DelayCompensation((float) dcLambda, dcAdaptive));
        }
        if (gapAware) {
            parts.add(new GapAware());
        }
        if (stalenessLr) {
            parts.add(new StalenessAwareLearningRate());
        }
        if (delayAdaptiveWorkers != null) {
            if (delayAdaptiveWorkers < 1) {
                throw new IllegalArgumentException("--delay-adaptive-lr must be >= 1 (the number of workers M), got "
                        + delayAdaptiveWorkers);
            }
            parts.add(new DelayAdaptiveLearningRate(delayAdaptiveWorkers));
        }
        return Compensations.of(parts);
    }

    public List<String> toArgs() {
        List<String> a = new ArrayList<>(List.of("--mode", mode));
        Args.add(a, "--staleness-bound", stalenessBound);
        Args.add(a, "--backup-workers", backupWorkers);
        Args.flag(a, "--staleness-lr", stalenessLr);
        Args.add(a, "--dc-lambda", dcLambda);
        Args.flag(a, "--dc-adaptive", dcAdaptive);
        Args.flag(a, "--gap-aware", gapAware);
        Args.add(a, "--delay-adaptive-lr", delayAdaptiveWorkers);
        return a;
    }
}
