package dev.momentumps.cli.options;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.ConsistencyKind;
import dev.momentumps.server.consistency.ConsistencyModel;
import dev.momentumps.server.consistency.Synchronous;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The consistency model: when the server applies gradients. */
public final class ConsistencyOptions {

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "async",
            description = "Consistency: async (apply each push), sync (BSP: average one gradient per worker). "
                    + "Default: ${DEFAULT-VALUE}.")
    public String mode = "async";

    public ConsistencyKind kind() {
        try {
            return ConsistencyKind.parse(mode);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--mode: " + e.getMessage());
        }
    }

    /** A fresh consistency model for one server. */
    public ConsistencyModel create() {
        return switch (kind()) {
            case ASYNCHRONOUS -> new Asynchronous();
            case SYNCHRONOUS -> new Synchronous();
            default -> throw new IllegalArgumentException("--mode " + mode + " is not available yet");
        };
    }

    public List<String> toArgs() {
        return new ArrayList<>(List.of("--mode", mode));
    }
}
