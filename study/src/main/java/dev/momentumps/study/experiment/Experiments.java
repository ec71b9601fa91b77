package dev.momentumps.study.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The registry of experiments, in the order {@code --list} shows them. */
public final class Experiments {
    private Experiments() {
    }

    public static List<Experiment> all() {
        List<Experiment> all = new ArrayList<>(List.of(new D2lQuadratic(), new BetaWeights(), new EigenQuadratic(),
                new Airfoil(), new StabilityMap(), new ImplicitMomentum(), new MomentumVsWorkers(), new SyncTiming(),
                new StalenessLr(), new DcAsgd(), new AdamVsMomentum(), NetworkMomentumVsWorkers.mlp(),
                NetworkMomentumVsWorkers.cnn()));
        all.addAll(NetworkClaims.all());
        all.addAll(List.of(new DelayAdaptive(), new AsyncMomentumMethods(), AsyncMomentumMethods.cnn(), new ClosedLoopMomentumStudy()));
        return List.copyOf(all);
    }

    public static Optional<Experiment> byName(String name) {
        return all().stream().filter(e -> e.name().equals(name)).findFirst();
    }

    public static List<String> names() {
        return all().stream().map(Experiment::name).toList();
    }
}
