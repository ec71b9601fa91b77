package dev.momentumps.worker.data;

/** Argument checks shared by the datasets. */
final class Slices {

    private Slices() {
    }

    static void check(int from, int to, int rows) {
        if (from < 0 || to > rows || from > to) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of " + rows + " rows");
        }
    }
}
