package dev.momentumps.server.optim;

/**
 * What the momentum rules share: a coefficient β (validated by the subclass, which knows its range), its
 * float32 copy for the hot loop, and one velocity vector named {@value #VELOCITY} in the checkpointed state.
 */
abstract class VelocityRule extends AbstractUpdateRule {
    static final String VELOCITY = "velocity";

    protected final double beta;
    protected final float b;
    protected float[] v;

    /** @param beta already checked against the rule's own range */
    VelocityRule(String name, double lr, double beta, double weightDecay) {
        super(name, lr, weightDecay, VELOCITY);
        this.beta = beta;
        this.b = (float) beta;
    }

    @Override
    protected void onInitialize() {
        v = stateVector(VELOCITY);
    }

    @Override
    protected String hyperParameters() {
        return "beta=" + beta;
    }
}
