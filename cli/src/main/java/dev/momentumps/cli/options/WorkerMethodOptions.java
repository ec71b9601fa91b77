package dev.momentumps.cli.options;

import dev.momentumps.worker.loop.DanaSlim;
import dev.momentumps.worker.loop.ElasticWorker;
import dev.momentumps.worker.loop.GradientSource;
import dev.momentumps.worker.loop.LocalSgd;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * What a worker does between pushes besides computing one gradient: H local steps (local SGD, SlowMo's inner
 * loop), EASGD/EAMSGD's elastic worker, or DANA-Slim's worker momentum. Each wraps the worker's gradient source.
 */
public final class WorkerMethodOptions {

    @Option(names = "--local-steps", paramLabel = "H", defaultValue = "1",
            description = "Local steps per push (needs --local-lr): the worker steps its own copy H times and pushes "
                    + "the displacement x0 - xH (server: --optimizer slowmo, or sgd --lr 1 for local SGD), or with "
                    + "--elastic its own weights every H steps. Pushes are ceil(steps / H), so --epochs keeps its "
                    + "meaning. Default: ${DEFAULT-VALUE}.")
    public int localSteps = 1;

    @Option(names = "--local-lr", paramLabel = "GAMMA",
            description = "The workers' local learning rate for --local-steps, --elastic, --optimizer slowmo/easgd.")
    public Double localLr;

    @Option(names = "--local-momentum", paramLabel = "B", defaultValue = "0",
            description = "Local momentum: heavy ball for --local-steps (SlowMo's base optimizer), Nesterov delta for "
                    + "--elastic (EAMSGD). Default: ${DEFAULT-VALUE}.")
    public double localMomentum;

    @Option(names = "--elastic", paramLabel = "ALPHA",
            description = "EASGD/EAMSGD worker: keeps its own weights, pushes them every --local-steps and moves "
                    + "toward the center by ALPHA (server: --optimizer easgd --lr ALPHA; mps train sets it from there).")
    public Double elastic;

    @Option(names = "--dana-slim", paramLabel = "GAMMA",
            description = "DANA-Slim worker momentum: v <- GAMMA*v + g, pushes g + GAMMA*v (server: --optimizer sgd).")
    public Double danaSlim;

    /** Checks the flags together; errors name them. */
    public void check() {
        if (localSteps < 1) {
            throw new IllegalArgumentException("--local-steps must be >= 1, got " + localSteps);
        }
        if (danaSlim != null && (local() || elastic != null)) {
            throw new IllegalArgumentException("--dana-slim computes one gradient per push: not with --local-steps, "
                    + "--local-lr, --local-momentum or --elastic");
        }
        if ((localSteps > 1 || elastic != null || localMomentum != 0) && localLr == null) {
            throw new IllegalArgumentException("--local-steps, --elastic and --local-momentum need --local-lr");
        }
        wrap(new Probe()); // range checks, with the flag's name
    }

    private boolean local() {
        return localSteps > 1 || localLr != null || localMomentum != 0;
    }

    /**
     * Checks the server's rule against the workers: easgd needs elastic workers (filling --elastic with the
     * rule's lr when not given) and slowmo workers that push displacements.
     */
    public void matchServer(String rule, double lr) {
        String r = rule.trim().toLowerCase(Locale.ROOT);
        if (r.equals("easgd")) {
            if (elastic == null) {
                elastic = lr;
            } else if (elastic != lr) {
                throw new IllegalArgumentException("--elastic " + elastic + " differs from easgd's --lr " + lr
                        + " (the moving rate is one number)");
            }
            if (localLr == null) {
                throw new IllegalArgumentException("--optimizer easgd needs --local-lr (the workers' own step size)");
            }
        } else if (elastic != null) {
            throw new IllegalArgumentException("--elastic workers push their weights: the server needs --optimizer "
                    + "easgd, not " + r);
        }
        if (r.equals("slowmo") && localLr == null) {
            throw new IllegalArgumentException("--optimizer slowmo needs --local-lr (and --local-steps H): its "
                    + "workers push the displacement of their local steps");
        }
        check();
    }

    /** Whether a worker's pushes carry something else than one plain gradient. */
    public boolean active() {
        return danaSlim != null || elastic != null || local();
    }

    /** {@code source} wrapped by the method these flags name (itself when none). */
    public GradientSource wrap(GradientSource source) {
        if (danaSlim != null) {
            return new DanaSlim(source, danaSlim);
        }
        if (elastic != null) {
            return new ElasticWorker(source, localSteps, localLr, elastic, localMomentum);
        }
        if (local()) {
            return new LocalSgd(source, localSteps, localLr, localMomentum);
        }
        return source;
    }

    /** The pushes of a worker that computes {@code gradients} minibatch gradients: ceil(gradients / H). */
    public long pushes(long gradients) {
        return elastic != null || local() ? (gradients + localSteps - 1) / localSteps : gradients;
    }

    /** These options as arguments for a worker process. */
    public List<String> toArgs() {
        List<String> a = new ArrayList<>();
        if (localSteps != 1) {
            Args.add(a, "--local-steps", localSteps);
        }
        Args.add(a, "--local-lr", localLr);
        if (localMomentum != 0) {
            Args.add(a, "--local-momentum", localMomentum);
        }
        Args.add(a, "--elastic", elastic);
        Args.add(a, "--dana-slim", danaSlim);
        return a;
    }

    /** A one-element source for {@link #check}. */
    private static final class Probe implements GradientSource {
        @Override
        public dev.momentumps.wire.TensorLayout layout() {
            return dev.momentumps.wire.TensorLayout.builder().add("probe", 1).build();
        }

        @Override
        public void initialWeights(float[] w) {
        }

        @Override
        public double next(float[] w, float[] g) {
            return 0;
        }

        @Override
        public int lastBatchSize() {
            return 0;
        }
    }
}
