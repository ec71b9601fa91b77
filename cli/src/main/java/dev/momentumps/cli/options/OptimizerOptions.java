package dev.momentumps.cli.options;

import dev.momentumps.server.optim.LearningRateSchedule;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRule;
import dev.momentumps.server.optim.UpdateRules;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The update rule and its hyper-parameters; unset values take the rule's defaults from {@link OptimizerConfig}. */
public final class OptimizerOptions {

    @Option(names = "--optimizer", paramLabel = "RULE", defaultValue = "momentum",
            description = "Update rule: sgd, momentum (heavy ball, D2L), ema-momentum, nesterov (torch's), nag (textbook "
                    + "Nesterov: workers get the look-ahead weights w - lr*beta*m), dana (DANA-Zero: momentum per "
                    + "worker, look-ahead by their sum), closed-loop (heavy ball whose beta is steered so the measured "
                    + "total momentum reaches --target-momentum), easgd (EASGD's center: w += lr*(x_i - w) with the workers' pushed "
                    + "weights, see --elastic; default lr 0.225), slowmo (SlowMo's outer step on the workers' displacements, see "
                    + "--local-steps; default lr 1, momentum 0.5), adagrad, rmsprop, adadelta, adam, adamw. "
                    + "Default: ${DEFAULT-VALUE}.")
    public String rule = "momentum";

    @Option(names = "--lr", paramLabel = "ETA", description = "Learning rate η (default: the rule's: 0.01 for "
            + "sgd and the momenta, 0.001 for adam/adamw, 1.0 for adadelta).")
    public Double lr;

    @Option(names = {"--momentum", "--beta"}, paramLabel = "BETA",
            description = "Momentum β for momentum, ema-momentum, nesterov, nag, dana, slowmo and rmsprop (default 0.9; "
                    + "slowmo 0.5; rmsprop 0).")
    public Double beta;

    @Option(names = "--allow-negative-momentum",
            description = "Let heavy-ball momentum take β in (-1, 1): asynchrony adds implicit momentum.")
    public boolean allowNegativeMomentum;

    @Option(names = "--target-momentum", paramLabel = "MU",
            description = "closed-loop: the total momentum (explicit + asynchrony's) to reach (default 0.9).")
    public Double target;

    @Option(names = "--momentum-gain", paramLabel = "G",
            description = "closed-loop: beta += G*(target - measured total) after each estimate (default 0.01).")
    public Double gain;

    @Option(names = "--dana-workers", paramLabel = "W",
            description = "dana: the number of workers it keeps momentum for (mps train: --workers).")
    public Integer danaWorkers;

    @Option(names = "--beta1", paramLabel = "B1", description = "Adam β₁ (default 0.9).")
    public Double beta1;

    @Option(names = "--beta2", paramLabel = "B2", description = "Adam β₂ (default 0.999).")
    public Double beta2;

    @Option(names = "--eps", paramLabel = "EPS", description = "ε of adagrad, rmsprop, adadelta, adam.")
    public Double eps;

    @Option(names = "--eps-inside-root",
            description = "adagrad, rmsprop, adam, adamw: divide by sqrt(G + eps), the textbook form, instead of "
                    + "torch's sqrt(G) + eps.")
    public boolean epsInsideRoot;

    @Option(names = "--rho", paramLabel = "RHO", description = "AdaDelta ρ (default 0.9).")
    public Double rho;

    @Option(names = "--alpha", paramLabel = "ALPHA", description = "RMSProp smoothing α (default 0.99).")
    public Double alpha;

    @Option(names = "--centered", description = "RMSProp: centred variant.")
    public boolean centered;

    @Option(names = "--weight-decay", paramLabel = "LAMBDA",
            description = "Weight decay λ (L2 added to the gradient; decoupled for adamw, whose default is 0.01).")
    public Double weightDecay;

    @Option(names = "--clip-norm", paramLabel = "C", defaultValue = "0",
            description = "Clip each applied gradient to this global L2 norm; 0 disables. Default: ${DEFAULT-VALUE}.")
    public double clipNorm;

    @Option(names = "--schedule", paramLabel = "SPEC", description = "Learning-rate schedule: constant, "
            + "step:every=K,gamma=G, cosine:steps=T,min=M, warmup:steps=K,then=SPEC.")
    public String schedule;

    /** The typed configuration; errors name the flag. */
    public OptimizerConfig config() {
        OptimizerConfig.Builder b = OptimizerConfig.builder(rule);
        if (lr != null) {
            b.lr(lr);
        }
        if (beta != null) {
            b.beta(beta);
        }
        if (beta1 != null) {
            b.beta1(beta1);
        }
        if (beta2 != null) {
            b.beta2(beta2);
        }
        if (eps != null) {
            b.eps(eps);
        }
        if (rho != null) {
            b.rho(rho);
        }
        if (alpha != null) {
            b.alpha(alpha);
        }
        if (weightDecay != null) {
            b.weightDecay(weightDecay);
        }
        if (target != null) {
            b.target(target);
        }
        if (gain != null) {
            b.gain(gain);
        }
        if (danaWorkers != null) {
            b.workers(danaWorkers);
        }
        return b.allowNegativeMomentum(allowNegativeMomentum).centered(centered).epsInsideRoot(epsInsideRoot)
                .clipNorm(clipNorm)
                .schedule(schedule).build();
    }

    public UpdateRule rule() {
        return UpdateRules.create(config());
    }

    public LearningRateSchedule schedule() {
        return UpdateRules.schedule(config());
    }

    /** These options as command-line arguments, to hand to a server process. */
    public List<String> toArgs() {
        List<String> a = new ArrayList<>(List.of("--optimizer", rule, "--clip-norm", Double.toString(clipNorm)));
        Args.add(a, "--lr", lr);
        Args.add(a, "--momentum", beta);
        Args.add(a, "--beta1", beta1);
        Args.add(a, "--beta2", beta2);
        Args.add(a, "--eps", eps);
        Args.add(a, "--rho", rho);
        Args.add(a, "--alpha", alpha);
        Args.add(a, "--weight-decay", weightDecay);
        Args.add(a, "--schedule", schedule);
        Args.add(a, "--target-momentum", target);
        Args.add(a, "--momentum-gain", gain);
        Args.add(a, "--dana-workers", danaWorkers);
        Args.flag(a, "--allow-negative-momentum", allowNegativeMomentum);
        Args.flag(a, "--centered", centered);
        Args.flag(a, "--eps-inside-root", epsInsideRoot);
        return a;
    }
}
