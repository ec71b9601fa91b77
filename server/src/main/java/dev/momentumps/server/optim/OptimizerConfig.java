package dev.momentumps.server.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Typed optimizer configuration, as the CLI and the RPC layer carry it. Numeric fields use
 * {@link #UNSET} (NaN) for "not given"; {@link #resolved()} fills them with the rule's defaults. All
 * defaults live here, in {@link #defaults(String)}.
 *
 * <p>Which fields a rule uses:
 * <ul>
 *   <li>sgd: lr, weightDecay</li>
 *   <li>momentum: lr, beta (momentum), weightDecay, allowNegativeMomentum</li>
 *   <li>ema-momentum, nesterov: lr, beta, weightDecay</li>
 *   <li>adagrad: lr, lrDecay, eps, epsInsideRoot, weightDecay</li>
 *   <li>rmsprop: lr, alpha, eps, epsInsideRoot, beta (torch's {@code momentum}, 0 = none), centered,
 *       weightDecay</li>
 *   <li>adadelta: lr, rho, eps, weightDecay</li>
 *   <li>adam, adamw: lr, beta1, beta2, eps, epsInsideRoot, weightDecay (AdamW's is decoupled)</li>
 *   <li>nag (textbook Nesterov, look-ahead weights): lr, beta, weightDecay</li>
 *   <li>dana (DANA-Zero): lr, beta (γ), workers, weightDecay</li>
 *   <li>closed-loop (closed-loop momentum): lr, beta (the starting β), target (μ*), gain (γ), weightDecay</li>
 *   <li>easgd (EASGD's center): lr (the moving rate α)</li>
 *   <li>slowmo (SlowMo's outer step): lr (the slow learning rate α), beta (the slow momentum)</li>
 * </ul>
 * {@code clipNorm} (global L2 clipping, 0 = off) and {@code schedule} (a {@link LearningRateSchedules}
 * spec, null = constant) apply to every rule. Setting a field the rule does not use is an error, so a
 * typo'd flag is not silently ignored.
 */
public record OptimizerConfig(
        String rule,
        double lr,
        double beta,
        double beta1,
        double beta2,
        double eps,
        double rho,
        double alpha,
        double weightDecay,
        double lrDecay,
        double target,
        double gain,
        int workers,
        boolean allowNegativeMomentum,
        boolean centered,
        boolean epsInsideRoot,
        double clipNorm,
        String schedule) {

    /** Marks a numeric field as not given. */
    public static final double UNSET = Double.NaN;

    /** The rules that can put ε inside the square root. */
    private static final List<String> EPS_INSIDE_ROOT_RULES = List.of("adagrad", "rmsprop", "adam", "adamw");

    public OptimizerConfig {
        if (rule == null || rule.isBlank()) {
            throw new IllegalArgumentException("rule must be one of " + UpdateRules.names() + ", got " + rule);
        }
        rule = rule.trim().toLowerCase(Locale.ROOT);
        if (Double.isNaN(clipNorm)) {
            clipNorm = 0;
        }
        Checks.nonNegative("clip_norm", clipNorm);
    }

    /** The defaults of {@code rule}: every field the rule uses is set, every other one is UNSET/false. */
    public static OptimizerConfig defaults(String rule) {
        final double u = UNSET;
        String r = rule == null ? null : rule.trim().toLowerCase(Locale.ROOT);
        if (r == null || !UpdateRules.names().contains(r)) {
            throw UpdateRules.unknownRule(rule);
        }
        switch (r) {
            case "sgd":
                return new OptimizerConfig(r, 0.01, u, u, u, u, u, u, 0, u, u, u, 0, false, false, false, 0, null);
            case "momentum":
            case "ema-momentum":
            case "nesterov":
                return new OptimizerConfig(r, 0.01, 0.9, u, u, u, u, u, 0, u, u, u, 0, false, false, false, 0, null);
            case "adagrad": // torch.optim.Adagrad
                return new OptimizerConfig(r, 0.01, u, u, u, 1e-10, u, u, 0, 0, u, u, 0, false, false, false, 0, null);
            case "rmsprop": // torch.optim.RMSprop; beta is its momentum
                return new OptimizerConfig(r, 0.01, 0, u, u, 1e-8, u, 0.99, 0, u, u, u, 0, false, false, false, 0, null);
            case "adadelta": // torch.optim.Adadelta
                return new OptimizerConfig(r, 1.0, u, u, u, 1e-6, 0.9, u, 0, u, u, u, 0, false, false, false, 0, null);
            case "adam": // torch.optim.Adam
                return new OptimizerConfig(r, 0.001, u, 0.9, 0.999, 1e-8, u, u, 0, u, u, u, 0, false, false, false, 0, null);
            case "nag": // textbook Nesterov with look-ahead weights
                return new OptimizerConfig(r, 0.01, 0.9, u, u, u, u, u, 0, u, u, u, 0, false, false, false, 0, null);
            case "dana": // DANA-Zero; workers 0 = not given (the CLI fills in --workers)
                return new OptimizerConfig(r, 0.01, 0.9, u, u, u, u, u, 0, u, u, u, 0, false, false, false, 0, null);
            case "closed-loop": // closed-loop momentum: start at beta 0.9, aim at a total of 0.9, gain 0.01
                return new OptimizerConfig(r, 0.01, 0.9, u, u, u, u, u, 0, u, 0.9, 0.01, 0, false, false, false, 0,
                        null);
            case "easgd": // EASGD's center: moving rate alpha (the paper's beta = 0.9 spread over 4 workers)
                return new OptimizerConfig(r, 0.225, u, u, u, u, u, u, u, u, u, u, 0, false, false, false, 0, null);
            case "slowmo": // SlowMo: alpha = 1, beta = 0.5
                return new OptimizerConfig(r, 1.0, 0.5, u, u, u, u, u, u, u, u, u, 0, false, false, false, 0, null);
            case "adamw": // torch.optim.AdamW
                return new OptimizerConfig(r, 0.001, u, 0.9, 0.999, 1e-8, u, u, 0.01, u, u, u, 0, false, false, false, 0, null);
            default:
                throw UpdateRules.unknownRule(rule);
        }
    }

    /**
     * This configuration with every unset field the rule uses filled from {@link #defaults(String)}.
     *
     * @throws IllegalArgumentException if a field the rule does not use is set, or the rule is unknown
     */
    public OptimizerConfig resolved() {
        OptimizerConfig d = defaults(rule);
        List<String> unused = new ArrayList<>();
        OptimizerConfig r = new OptimizerConfig(rule,
                pick("lr", lr, d.lr, unused),
                pick("beta", beta, d.beta, unused),
                pick("beta1", beta1, d.beta1, unused),
                pick("beta2", beta2, d.beta2, unused),
                pick("eps", eps, d.eps, unused),
                pick("rho", rho, d.rho, unused),
                pick("alpha", alpha, d.alpha, unused),
                pick("weight_decay", weightDecay, d.weightDecay, unused),
                pick("lr_decay", lrDecay, d.lrDecay, unused),
                pick("target", target, d.target, unused),
                pick("gain", gain, d.gain, unused),
                workers,
                allowNegativeMomentum, centered, epsInsideRoot, clipNorm, schedule);
        if (workers != 0 && !rule.equals("dana")) {
            unused.add("workers");
        }
        if (rule.equals("dana") && workers < 1) {
            throw new IllegalArgumentException("workers (the number of workers dana keeps momentum for) must be "
                    + ">= 1, got " + workers);
        }
        if (epsInsideRoot && !EPS_INSIDE_ROOT_RULES.contains(rule)) {
            unused.add("eps_inside_root");
        }
        if (allowNegativeMomentum && !rule.equals("momentum")) {
            unused.add("allow_negative_momentum");
        }
        if (centered && !rule.equals("rmsprop")) {
            unused.add("centered");
        }
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", unused) + (unused.size() == 1 ? " is" : " are")
                    + " not a hyper-parameter of " + rule + "; it uses " + d.usedFields());
        }
        return r;
    }

    private static double pick(String name, double given, double dflt, List<String> unused) {
        if (Double.isNaN(given)) {
            return dflt;
        }
        if (Double.isNaN(dflt)) {
            unused.add(name);
        }
        return given;
    }

    private String usedFields() {
        List<String> used = new ArrayList<>();
        String[] names = {"lr", "beta", "beta1", "beta2", "eps", "rho", "alpha", "weight_decay", "lr_decay", "target",
            "gain"};
        double[] values = {lr, beta, beta1, beta2, eps, rho, alpha, weightDecay, lrDecay, target, gain};
        for (int i = 0; i < names.length; i++) {
            if (!Double.isNaN(values[i])) {
                used.add(names[i]);
            }
        }
        if (rule.equals("momentum")) {
            used.add("allow_negative_momentum");
        }
        if (rule.equals("rmsprop")) {
            used.add("centered");
        }
        if (rule.equals("dana")) {
            used.add("workers");
        }
        if (EPS_INSIDE_ROOT_RULES.contains(rule)) {
            used.add("eps_inside_root");
        }
        return String.join(", ", used);
    }

    /** Whether global-norm clipping is on. */
    public boolean clipping() {
        return clipNorm > 0;
    }

    /** A builder with every field unset. */
    public static Builder builder(String rule) {
        return new Builder(rule);
    }

    /** Fluent construction; unset fields stay {@link #UNSET}. */
    public static final class Builder {
        private final String rule;
        private double lr = UNSET;
        private double beta = UNSET;
        private double beta1 = UNSET;
        private double beta2 = UNSET;
        private double eps = UNSET;
        private double rho = UNSET;
        private double alpha = UNSET;
        private double weightDecay = UNSET;
        private double lrDecay = UNSET;
        private double target = UNSET;
        private double gain = UNSET;
        private int workers;
        private boolean allowNegativeMomentum;
        private boolean centered;
        private boolean epsInsideRoot;
        private double clipNorm;
        private String schedule;

        private Builder(String rule) {
            this.rule = rule;
        }

        public Builder lr(double v) {
            lr = v;
            return this;
        }

        public Builder beta(double v) {
            beta = v;
            return this;
        }

        public Builder beta1(double v) {
            beta1 = v;
            return this;
        }

        public Builder beta2(double v) {
            beta2 = v;
            return this;
        }

        public Builder eps(double v) {
            eps = v;
            return this;
        }

        public Builder rho(double v) {
            rho = v;
            return this;
        }

        public Builder alpha(double v) {
            alpha = v;
            return this;
        }

        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        public Builder lrDecay(double v) {
            lrDecay = v;
            return this;
        }

        public Builder target(double v) {
            target = v;
            return this;
        }

        public Builder gain(double v) {
            gain = v;
            return this;
        }

        public Builder workers(int v) {
            workers = v;
            return this;
        }

        public Builder allowNegativeMomentum(boolean v) {
            allowNegativeMomentum = v;
            return this;
        }

        public Builder centered(boolean v) {
            centered = v;
            return this;
        }

        public Builder epsInsideRoot(boolean v) {
            epsInsideRoot = v;
            return this;
        }

        public Builder clipNorm(double v) {
            clipNorm = v;
            return this;
        }

        public Builder schedule(String v) {
            schedule = v;
            return this;
        }

        public OptimizerConfig build() {
            return new OptimizerConfig(rule, lr, beta, beta1, beta2, eps, rho, alpha, weightDecay, lrDecay, target,
                    gain, workers, allowNegativeMomentum, centered, epsInsideRoot, clipNorm, schedule);
        }
    }
}
