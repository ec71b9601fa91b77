package dev.momentumps.wire;

/** The consistency models, as the CLI and the wire name them. */
public enum ConsistencyKind {
    /** every push is applied as it arrives (ASP) */
    ASYNCHRONOUS("async", "asp"),
    /** one averaged update per round, once every live worker has pushed (BSP) */
    SYNCHRONOUS("sync", "bsp"),
    /** stale synchronous parallel with a bound s (SSP) */
    STALE_SYNCHRONOUS("ssp", "ssp"),
    /** synchronous, each round taking the first N gradients of N + b workers */
    BACKUP_WORKERS("backup", "backup");

    private final String cliName;
    private final String literatureName;

    ConsistencyKind(String cliName, String literatureName) {
        this.cliName = cliName;
        this.literatureName = literatureName;
    }

    public String cliName() {
        return cliName;
    }

    /**
     * Parses a CLI name ({@code async}, {@code sync}, {@code ssp}, {@code backup}) or the literature's name for
     * the same model ({@code asp} = async, {@code bsp} = sync), ignoring case.
     */
    public static ConsistencyKind parse(String name) {
        for (ConsistencyKind k : values()) {
            if (k.cliName.equalsIgnoreCase(name) || k.literatureName.equalsIgnoreCase(name)
                    || k.name().equalsIgnoreCase(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown consistency mode '" + name
                + "' (valid: async or asp, sync or bsp, ssp, backup)");
    }
}
