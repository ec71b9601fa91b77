package dev.momentumps.server.optim;

import java.util.List;

/** Builds update rules and schedules from an {@link OptimizerConfig}. */
public final class UpdateRules {

    private static final List<String> NAMES = List.of(
            "sgd", "momentum", "ema-momentum", "nesterov", "nag", "dana", "closed-loop", "easgd", "slowmo", "adagrad",
            "rmsprop", "adadelta", "adam", "adamw");

    private UpdateRules() {
    }

    /** The valid rule names, as the CLI spells them. */
    public static List<String> names() {
        return NAMES;
    }

    /**
     * The rule {@code config} describes, unset fields taking the rule's defaults. Clipping
     * ({@link OptimizerConfig#clipNorm()}, via {@link GradientClipping}) and the schedule ({@link #schedule})
     * are applied by the caller around {@link UpdateRule#apply}, since they need the whole vector and the step.
     *
     * @throws IllegalArgumentException for an unknown rule (listing the valid names), a field the rule does
     *                                  not use, or a hyper-parameter out of range (naming it)
     */
    public static UpdateRule create(OptimizerConfig config) {
        OptimizerConfig c = config.resolved();
        switch (c.rule()) {
            case "sgd":
                return new Sgd(c.lr(), c.weightDecay());
            case "momentum":
                return new HeavyBallMomentum(c.lr(), c.beta(), c.weightDecay(), c.allowNegativeMomentum());
            case "ema-momentum":
                return new EmaMomentum(c.lr(), c.beta(), c.weightDecay());
            case "nesterov":
                return new Nesterov(c.lr(), c.beta(), c.weightDecay());
            case "nag":
                return new NesterovLookAhead(c.lr(), c.beta(), c.weightDecay());
            case "dana":
                return new DanaZero(c.lr(), c.beta(), c.workers(), c.weightDecay());
            case "closed-loop":
                return new ClosedLoopMomentum(c.lr(), c.beta(), c.target(), c.gain(), c.weightDecay());
            case "easgd":
                return new ElasticAveraging(c.lr());
            case "slowmo":
                return new SlowMomentum(c.lr(), c.beta());
            case "adagrad":
                return new Adagrad(c.lr(), c.lrDecay(), c.eps(), c.weightDecay(), c.epsInsideRoot());
            case "rmsprop":
                return new RmsProp(c.lr(), c.alpha(), c.eps(), c.beta(), c.centered(), c.weightDecay(),
                        c.epsInsideRoot());
            case "adadelta":
                return new AdaDelta(c.lr(), c.rho(), c.eps(), c.weightDecay());
            case "adam":
                return new Adam(c.lr(), c.beta1(), c.beta2(), c.eps(), c.weightDecay(), c.epsInsideRoot());
            case "adamw":
                return new AdamW(c.lr(), c.beta1(), c.beta2(), c.eps(), c.weightDecay(), c.epsInsideRoot());
            default:
                throw unknownRule(c.rule());
        }
    }

    /** The learning-rate schedule of {@code config}, based at the rule's (resolved) learning rate. */
    public static LearningRateSchedule schedule(OptimizerConfig config) {
        OptimizerConfig c = config.resolved();
        return LearningRateSchedules.parse(c.schedule(), (float) c.lr());
    }

    static IllegalArgumentException unknownRule(String name) {
        return new IllegalArgumentException("unknown update rule '" + name + "'; valid rules: "
                + String.join(", ", NAMES));
    }
}
