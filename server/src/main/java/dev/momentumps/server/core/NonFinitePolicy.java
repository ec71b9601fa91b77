package dev.momentumps.server.core;

import java.util.Locale;

/** What the server does with a pushed gradient that holds NaN or ±Inf. */
public enum NonFinitePolicy {
    /** refuse the push with INVALID_ARGUMENT naming the first bad element; nothing changes (the default) */
    REJECT,
    /** accept the push but do not apply it: it is acknowledged as not applied and counted as dropped */
    SKIP,
    /** replace every NaN and ±Inf element by 0 and apply the rest */
    ZERO;

    /** Parses {@code reject}, {@code skip} or {@code zero}. */
    public static NonFinitePolicy parse(String s) {
        for (NonFinitePolicy p : values()) {
            if (p.name().equalsIgnoreCase(s)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown non-finite policy '" + s + "' (valid: reject, skip, zero)");
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
