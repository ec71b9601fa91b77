package dev.momentumps.server.consistency;

/** The consistency models, as the CLI and the wire name them. */
public enum ConsistencyKind {
    /** every push is applied as it arrives (ASP) */
    ASYNCHRONOUS("async"),
    /** one averaged update per round, once every live worker has pushed (BSP) */
    SYNCHRONOUS("sync"),
    /** stale synchronous parallel with a bound s (SSP) */
    STALE_SYNCHRONOUS("ssp"),
    /** synchronous, each round taking the first N gradients of N + b workers */
    BACKUP_WORKERS("backup");

    private final String cliName;

    ConsistencyKind(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** Parses a CLI name ({@code async}, {@code sync}, {@code ssp}, {@code backup}). */
    public static ConsistencyKind parse(String name) {
        for (ConsistencyKind k : values()) {
            if (k.cliName.equalsIgnoreCase(name) || k.name().equalsIgnoreCase(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown consistency mode '" + name + "' (valid: async, sync, ssp, backup)");
    }
}
