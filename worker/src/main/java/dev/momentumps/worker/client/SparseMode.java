package dev.momentumps.worker.client;

/** When a worker pushes a sparse gradient (only the rows its minibatch touched). */
public enum SparseMode {
    /** sparse when the model reports touched rows and they are under {@link CompressingClient#AUTO_FRACTION} of the model */
    AUTO,
    /** always sparse: the touched rows, or the nonzero entries of a dense gradient */
    ON,
    /** always dense */
    OFF;

    /** By CLI name (auto, on, off). @throws IllegalArgumentException naming the flag */
    public static SparseMode parse(String name, String flag) {
        for (SparseMode m : values()) {
            if (m.name().equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException(flag + " must be auto, on or off; got '" + name + "'");
    }
}
