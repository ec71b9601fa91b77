package dev.momentumps.study.experiment;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.ConsistencyModel;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;

/** The real server core in this process (asynchronous unless told otherwise), for experiments. */
final class InProcessServer {
    /** How long an in-process push or pull may wait; asynchronous pushes never wait. */
    static final long WAIT_MILLIS = 10_000;

    private InProcessServer() {
    }

    /** A core applying {@code config}'s update rule, schedule and clipping, one apply thread. */
    static ParameterServerCore core(OptimizerConfig config) {
        return core(config, new Asynchronous());
    }

    /** The same with another consistency model (synchronous, backup workers). */
    static ParameterServerCore core(OptimizerConfig config, ConsistencyModel consistency) {
        OptimizerConfig c = config.resolved();
        return new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), (float) c.clipNorm(),
                consistency, 1);
    }

    /** Heavy-ball momentum (β = 0 is plain gradient descent through the same rule). */
    static OptimizerConfig momentum(double lr, double beta) {
        return OptimizerConfig.builder("momentum").lr(lr).beta(beta).build();
    }

    /** Plain SGD. */
    static OptimizerConfig sgd(double lr) {
        return OptimizerConfig.builder("sgd").lr(lr).build();
    }
}
