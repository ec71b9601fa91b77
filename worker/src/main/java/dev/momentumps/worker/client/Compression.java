package dev.momentumps.worker.client;

/**
 * Gradient compression on the worker → server path: {@code none}, {@code fp16} (values as IEEE half
 * floats) or {@code topk:K} (the K largest-magnitude entries of gradient + residual, with error feedback).
 *
 * @param kind what to do
 * @param k    entries per push for {@link Kind#TOPK}; 0 otherwise
 */
public record Compression(Kind kind, int k) {
    public enum Kind { NONE, FP16, TOPK }

    public static final Compression NONE = new Compression(Kind.NONE, 0);

    public Compression {
        if ((kind == Kind.TOPK) != (k > 0)) {
            throw new IllegalArgumentException("topk needs K >= 1 (and only topk takes K), got " + kind + " " + k);
        }
    }

    /** Parses {@code none}, {@code fp16} or {@code topk:K}. @throws IllegalArgumentException naming the flag */
    public static Compression parse(String spec, String flag) {
        String s = spec.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("none")) {
            return NONE;
        }
        if (s.equals("fp16")) {
            return new Compression(Kind.FP16, 0);
        }
        if (s.startsWith("topk:")) {
            try {
                int k = Integer.parseInt(s.substring(5));
                if (k >= 1) {
                    return new Compression(Kind.TOPK, k);
                }
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
        }
        throw new IllegalArgumentException(flag + " must be none, fp16 or topk:K with K >= 1; got '" + spec + "'");
    }

    @Override
    public String toString() {
        return kind == Kind.TOPK ? "topk:" + k : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
