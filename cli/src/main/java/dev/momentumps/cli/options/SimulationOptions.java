package dev.momentumps.cli.options;

import dev.momentumps.study.sim.SimulationConfig;
import dev.momentumps.study.sim.TimeDistribution;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Option;

/** {@code mps train --simulate}: the simulated cluster's timings, and stragglers (simulated or real). */
public final class SimulationOptions {

    @Option(names = "--simulate", description = "Run the real server core and workers in virtual time "
            + "(a discrete-event simulation, one thread): same seed, same trajectory bit for bit.")
    public boolean simulate;

    @Option(names = "--compute-time", paramLabel = "DIST",
            description = "--simulate: each gradient's compute time in virtual seconds: fixed:T (or T), "
                    + "uniform:LO:HI, exp:MEAN, gamma:SHAPE:SCALE, lognormal:MU:SIGMA, pareto:ALPHA:XMIN, or "
                    + "trace:FILE (measured times, one per line, resampled). Default: fixed:1.")
    public String computeTime;

    @Option(names = "--network-delay", paramLabel = "DIST",
            description = "--simulate: one-way message delay (drawn for the weights down and the gradient up), "
                    + "same syntax. Default: 0.")
    public String networkDelay;

    @Option(names = "--fixed-delay", paramLabel = "TAU",
            description = "--simulate: every gradient is computed on the weights of exactly TAU versions ago "
                    + "(needs --mode async).")
    public Integer fixedDelay;

    @Option(names = "--straggler", paramLabel = "RANK:K",
            description = "Worker RANK is K times slower (repeatable). Simulated: its compute times x K. Real runs: "
                    + "it sleeps (K-1) x (its compute time + --delay-ms) per step.")
    public List<String> stragglers = new ArrayList<>();

    /** Rank → factor, checked. */
    public Map<Integer, Double> stragglerMap(int workers) {
        Map<Integer, Double> m = new TreeMap<>();
        for (String s : stragglers) {
            Map.Entry<Integer, Double> e = SimulationConfig.parseStraggler(s);
            if (e.getKey() >= workers) {
                throw new IllegalArgumentException("--straggler " + s + ": rank " + e.getKey() + " is not in [0, "
                        + workers + ")");
            }
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }

    /** The simulation's configuration (timings seeded by {@code seed}). */
    public SimulationConfig config(int workers, long seed) {
        if (!simulate && (computeTime != null || networkDelay != null || fixedDelay != null)) {
            throw new IllegalArgumentException("--compute-time, --network-delay and --fixed-delay need --simulate");
        }
        if (!simulate) {
            for (Map.Entry<Integer, Double> e : stragglerMap(workers).entrySet()) {
                if (e.getValue() < 1) {
                    throw new IllegalArgumentException("--straggler " + e.getKey() + ":" + e.getValue()
                            + ": a real worker can only be slowed down (K >= 1); K < 1 needs --simulate");
                }
            }
        }
        if (fixedDelay != null && fixedDelay < 0) {
            throw new IllegalArgumentException("--fixed-delay must be >= 0, got " + fixedDelay);
        }
        TimeDistribution compute = computeTime == null ? new TimeDistribution.Fixed(1)
                : TimeDistribution.parse(computeTime, "--compute-time");
        TimeDistribution network = networkDelay == null ? new TimeDistribution.Fixed(0)
                : TimeDistribution.parse(networkDelay, "--network-delay");
        return new SimulationConfig(compute, network, stragglerMap(workers), fixedDelay == null ? -1 : fixedDelay, seed,
                false);
    }
}
