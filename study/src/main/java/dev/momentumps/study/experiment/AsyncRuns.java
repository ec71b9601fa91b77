package dev.momentumps.study.experiment;

import dev.momentumps.study.sim.SimulationConfig;
import dev.momentumps.study.sim.SimulationResult;
import dev.momentumps.study.sim.Simulator;
import dev.momentumps.study.sim.TimeDistribution;
import dev.momentumps.server.compensation.StalenessCompensation;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.wire.RequestException;
import dev.momentumps.worker.loop.GradientSource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Simulated asynchronous runs for the literature experiments: the real core (asynchronous, with an optional
 * staleness compensation) and M workers in the discrete-event simulator, with Exp(1) compute times unless
 * told otherwise.
 */
final class AsyncRuns {
    private AsyncRuns() {
    }

    /** The final weights, or null when the run diverged (the core refused a non-finite gradient). */
    record Outcome(float[] weights, double meanStaleness, double virtualSeconds, long[] stalenessHistogram) {
        boolean diverged() {
            return weights == null;
        }
    }

    /**
     * Runs {@code pushes} updates in all, spread evenly over M workers, with exponential compute times.
     *
     * @param worker       builds worker r's gradient source
     * @param compensation staleness compensation, or {@link StalenessCompensation#NONE}
     * @param fixedDelay   -1 for the timed (exponential) schedule, τ >= 0 for exactly τ-stale gradients
     */
    static Outcome run(OptimizerConfig optimizer, StalenessCompensation compensation, int workers,
                       IntFunction<GradientSource> worker, long pushes, long scheduleSeed, int fixedDelay) {
        return run(optimizer, compensation, workers, worker, pushes, scheduleSeed, fixedDelay,
                new TimeDistribution.Exponential(1));
    }

    /** The same with another compute-time distribution ({@code ./mps experiment --compute-time}). */
    static Outcome run(OptimizerConfig optimizer, StalenessCompensation compensation, int workers,
                       IntFunction<GradientSource> worker, long pushes, long scheduleSeed, int fixedDelay,
                       TimeDistribution computeTime) {
        SimulationConfig config = SimulationConfig.defaults().withComputeTime(computeTime)
                .withSeed(scheduleSeed).withFixedDelay(fixedDelay);
        try (ParameterServerCore core = InProcessServer.core(optimizer)) {
            core.setCompensation(compensation);
            return run(core, workers, worker, pushes, config, sim -> { });
        }
    }

    /**
     * The run on a core the caller made (any rule, consistency model and compensation), with {@code observe}
     * attaching observers to the simulator before it starts; the caller closes the core.
     */
    static Outcome run(ParameterServerCore core, int workers, IntFunction<GradientSource> worker, long pushes,
                       SimulationConfig config, Consumer<Simulator> observe) {
        List<GradientSource> sources = new ArrayList<>();
        List<Long> steps = new ArrayList<>();
        for (int r = 0; r < workers; r++) {
            sources.add(worker.apply(r));
            steps.add(pushes / workers + (r < pushes % workers ? 1 : 0));
        }
        try {
            Simulator sim = new Simulator(core, sources, steps, config);
            observe.accept(sim);
            SimulationResult r = sim.run();
            return new Outcome(r.finalWeights(), r.staleness().mean(), r.virtualSeconds(), r.staleness().histogram());
        } catch (RequestException e) {
            return new Outcome(null, Double.NaN, Double.NaN, new long[0]);
        }
    }
}
