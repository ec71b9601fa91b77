package dev.momentumps.study.sim;

import java.util.Map;
import java.util.TreeMap;

/**
 * How the simulator times a run.
 *
 * @param computeTime  each worker's time to compute one gradient (virtual seconds), drawn per step
 * @param networkDelay one-way delay of a message (drawn twice per step: weights down, gradient up)
 * @param stragglers   rank → slowdown factor k: that worker's compute times are multiplied by k
 * @param fixedDelay   -1 for timed simulation; τ >= 0 for the fixed-delay mode, where the gradient applied
 *                     as update t+1 was computed on the weights of version max(0, t − τ) exactly
 *                     (timings are then ignored and virtual time counts updates)
 * @param seed         seeds the timing draws (each worker its own stream); the gradients' own randomness
 *                     (minibatches, noise) is seeded by the task
 * @param recordTrajectory keep a copy of the weights at every version in the result (memory: versions × n)
 */
public record SimulationConfig(TimeDistribution computeTime, TimeDistribution networkDelay,
                               Map<Integer, Double> stragglers, int fixedDelay, long seed, boolean recordTrajectory) {

    public SimulationConfig {
        if (computeTime == null || networkDelay == null) {
            throw new IllegalArgumentException("compute time and network delay distributions are required");
        }
        if (fixedDelay < -1) {
            throw new IllegalArgumentException("fixed delay must be >= 0 (or -1 for timed simulation), got " + fixedDelay);
        }
        stragglers = Map.copyOf(stragglers == null ? Map.of() : stragglers);
        for (Map.Entry<Integer, Double> e : stragglers.entrySet()) {
            if (e.getKey() < 0 || !(e.getValue() > 0) || !Double.isFinite(e.getValue())) {
                throw new IllegalArgumentException("straggler " + e.getKey() + ":" + e.getValue()
                        + ": need rank >= 0 and a finite factor > 0");
            }
        }
    }

    /** Compute time fixed at 1, no network delay, no stragglers, timed, seed 42, no trajectory. */
    public static SimulationConfig defaults() {
        return new SimulationConfig(new TimeDistribution.Fixed(1), new TimeDistribution.Fixed(0), Map.of(), -1, 42,
                false);
    }

    public SimulationConfig withComputeTime(TimeDistribution d) {
        return new SimulationConfig(d, networkDelay, stragglers, fixedDelay, seed, recordTrajectory);
    }

    public SimulationConfig withNetworkDelay(TimeDistribution d) {
        return new SimulationConfig(computeTime, d, stragglers, fixedDelay, seed, recordTrajectory);
    }

    /** Adds (or replaces) a straggler: worker {@code rank} computes {@code factor}× slower. */
    public SimulationConfig withStraggler(int rank, double factor) {
        Map<Integer, Double> s = new TreeMap<>(stragglers);
        s.put(rank, factor);
        return new SimulationConfig(computeTime, networkDelay, s, fixedDelay, seed, recordTrajectory);
    }

    public SimulationConfig withFixedDelay(int tau) {
        return new SimulationConfig(computeTime, networkDelay, stragglers, tau, seed, recordTrajectory);
    }

    public SimulationConfig withSeed(long s) {
        return new SimulationConfig(computeTime, networkDelay, stragglers, fixedDelay, s, recordTrajectory);
    }

    public SimulationConfig withTrajectory(boolean record) {
        return new SimulationConfig(computeTime, networkDelay, stragglers, fixedDelay, seed, record);
    }

    /** The slowdown of worker {@code rank} (1 unless it is a straggler). */
    public double slowdown(int rank) {
        return stragglers.getOrDefault(rank, 1.0);
    }

    /** Parses {@code RANK:FACTOR}, e.g. {@code 3:4.0}; errors quote the spec. */
    public static Map.Entry<Integer, Double> parseStraggler(String spec) {
        String[] p = spec.split(":");
        try {
            if (p.length != 2) {
                throw new IllegalArgumentException("expected RANK:FACTOR");
            }
            int rank = Integer.parseInt(p[0].trim());
            double factor = Double.parseDouble(p[1].trim());
            if (rank < 0 || !(factor > 0) || !Double.isFinite(factor)) {
                throw new IllegalArgumentException("need rank >= 0 and a finite factor > 0");
            }
            return Map.entry(rank, factor);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("straggler '" + spec + "' is not RANK:FACTOR such as 3:4.0 ("
                    + e.getMessage() + ")");
        }
    }
}
