package dev.momentumps.server.optim;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The learning-rate schedules and the parser for their CLI spelling.
 *
 * <p>Step {@code t} (1-based) corresponds to torch's scheduler epoch {@code e = t − 1}, i.e. the learning rate
 * torch uses for the t-th {@code optimizer.step()} when {@code scheduler.step()} is called after each one.
 * Values are computed in double from the closed forms and rounded to float once.
 *
 * <p>CLI grammar: {@code name[:key=value,...]}.
 * <ul>
 *   <li>{@code constant}</li>
 *   <li>{@code step:every=K,gamma=G} — {@code lr·G^floor((t−1)/K)}, torch StepLR(step_size=K, gamma=G);
 *       gamma defaults to 0.1 as in torch</li>
 *   <li>{@code cosine:steps=T,min=M} — torch CosineAnnealingLR(T_max=T, eta_min=M); min defaults to 0</li>
 *   <li>{@code warmup:steps=K,then=SPEC} — linear warm-up over K steps, then SPEC (default constant);
 *       {@code then=} must be the last key and takes the rest of the string, commas included</li>
 * </ul>
 */
public final class LearningRateSchedules {

    private LearningRateSchedules() {
    }

    /** {@code lr(t) = base}. */
    public record Constant(float base) implements LearningRateSchedule {
        public Constant {
            Checks.positive("lr", base);
        }

        @Override
        public float lr(long t) {
            return base;
        }

        @Override
        public String toString() {
            return "constant(lr=" + base + ")";
        }
    }

    /**
     * Step decay, like torch.optim.lr_scheduler.StepLR: {@code lr(t) = base · γ^floor((t − 1) / every)}.
     */
    public record Step(double base, long every, double gamma) implements LearningRateSchedule {
        public Step {
            Checks.positive("lr", base);
            Checks.atLeastOne("every", every);
            Checks.fraction("gamma", gamma);
        }

        @Override
        public float lr(long t) {
            return (float) (base * Math.pow(gamma, (double) ((t - 1) / every)));
        }

        @Override
        public String toString() {
            return "step(lr=" + base + ", every=" + every + ", gamma=" + gamma + ")";
        }
    }

    /**
     * Cosine annealing, like torch.optim.lr_scheduler.CosineAnnealingLR's closed form:
     * {@code lr(t) = min + (base − min)·(1 + cos(π·(t − 1)/steps))/2} for {@code t − 1 <= steps}; afterwards
     * it holds {@code min} (torch's recursive form would rise again, periodically).
     */
    public record Cosine(double base, long steps, double min) implements LearningRateSchedule {
        public Cosine {
            Checks.positive("lr", base);
            Checks.atLeastOne("steps", steps);
            Checks.nonNegative("min", min);
            if (min > base) {
                throw new IllegalArgumentException("min must be <= lr (" + base + "), got " + min);
            }
        }

        @Override
        public float lr(long t) {
            long e = t - 1;
            if (e >= steps) {
                return (float) min;
            }
            return (float) (min + (base - min) * (1 + Math.cos(Math.PI * e / steps)) / 2);
        }

        @Override
        public String toString() {
            return "cosine(lr=" + base + ", steps=" + steps + ", min=" + min + ")";
        }
    }

    /**
     * Linear warm-up over {@code steps} steps, then {@code then} restarted from its own step 1:
     * {@code lr(t) = then.lr(1)·t/steps} for {@code t <= steps}, {@code then.lr(t − steps)} after. Step 1
     * gets {@code 1/steps} of the target and step {@code steps} the full target, like torch's
     * SequentialLR([LinearLR(start_factor=1/steps, total_iters=steps−1), then], milestones=[steps]).
     */
    public record Warmup(long steps, LearningRateSchedule then) implements LearningRateSchedule {
        public Warmup {
            Checks.atLeastOne("steps", steps);
            if (then == null) {
                throw new IllegalArgumentException("then must be a schedule, got null");
            }
        }

        @Override
        public float lr(long t) {
            if (t <= steps) {
                return (float) ((double) then.lr(1) * t / steps);
            }
            return then.lr(t - steps);
        }

        @Override
        public String toString() {
            return "warmup(steps=" + steps + ", then=" + then + ")";
        }
    }

    /** The schedule names {@link #parse} accepts. */
    public static Set<String> names() {
        return Set.of("constant", "step", "cosine", "warmup");
    }

    /**
     * Parses a CLI schedule spec (see the class comment); {@code null} or blank means {@code constant}.
     *
     * @throws IllegalArgumentException naming the bad schedule, key or value
     */
    public static LearningRateSchedule parse(String spec, float baseLr) {
        if (spec == null || spec.isBlank()) {
            return new Constant(baseLr);
        }
        // the decimal the float was written as (0.1f -> 0.1, not 0.10000000149011612), as torch's Python lr
        double base = Double.parseDouble(Float.toString(baseLr));
        String s = spec.trim();
        int colon = s.indexOf(':');
        String name = (colon < 0 ? s : s.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
        Map<String, String> args = colon < 0 ? new LinkedHashMap<>() : arguments(spec, s.substring(colon + 1));
        LearningRateSchedule result;
        switch (name) {
            case "constant":
                result = new Constant(baseLr);
                break;
            case "step":
                result = new Step(base, longArg(spec, args, "every", null), doubleArg(spec, args, "gamma", 0.1));
                break;
            case "cosine":
                result = new Cosine(base, longArg(spec, args, "steps", null), doubleArg(spec, args, "min", 0.0));
                break;
            case "warmup": {
                long steps = longArg(spec, args, "steps", null);
                String then = args.remove("then");
                result = new Warmup(steps, parse(then == null ? "constant" : then, baseLr));
                break;
            }
            default:
                throw new IllegalArgumentException("unknown schedule '" + name + "' in '" + spec
                        + "'; valid schedules: constant, step, cosine, warmup");
        }
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("unknown key '" + args.keySet().iterator().next()
                    + "' for schedule '" + name + "' in '" + spec + "'; valid keys: " + validKeys(name));
        }
        return result;
    }

    private static String validKeys(String name) {
        switch (name) {
            case "step":
                return "every, gamma";
            case "cosine":
                return "steps, min";
            case "warmup":
                return "steps, then";
            default:
                return "(none)";
        }
    }

    /** Splits {@code k=v,k=v}; a {@code then=} value takes the rest of the string. */
    private static Map<String, String> arguments(String spec, String body) {
        Map<String, String> args = new LinkedHashMap<>();
        int i = 0;
        while (i < body.length()) {
            int eq = body.indexOf('=', i);
            int comma = body.indexOf(',', i);
            if (eq < 0 || (comma >= 0 && comma < eq)) {
                String bad = (comma < 0 ? body.substring(i) : body.substring(i, comma)).trim();
                throw new IllegalArgumentException("expected key=value, got '" + bad + "' in '" + spec + "'");
            }
            String key = body.substring(i, eq).trim().toLowerCase(Locale.ROOT);
            String value;
            if (key.equals("then")) {
                value = body.substring(eq + 1).trim();
                i = body.length();
            } else {
                int end = comma < 0 ? body.length() : comma;
                value = body.substring(eq + 1, end).trim();
                i = end + 1;
            }
            if (args.put(key, value) != null) {
                throw new IllegalArgumentException("duplicate key '" + key + "' in '" + spec + "'");
            }
        }
        return args;
    }

    private static long longArg(String spec, Map<String, String> args, String key, Long dflt) {
        String v = args.remove(key);
        if (v == null) {
            if (dflt == null) {
                throw new IllegalArgumentException("missing key '" + key + "' in '" + spec + "'");
            }
            return dflt;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + v + "' in '" + spec + "'", e);
        }
    }

    private static double doubleArg(String spec, Map<String, String> args, String key, double dflt) {
        String v = args.remove(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, got '" + v + "' in '" + spec + "'", e);
        }
    }
}
