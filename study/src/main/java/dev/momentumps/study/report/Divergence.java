package dev.momentumps.study.report;

import java.util.Locale;

/**
 * Decides whether a run has diverged, from the evaluations taken during it: the whole-training-set loss is
 * NaN or infinite, or more than {@link #FACTOR} times the first evaluated loss (a loss that grows a
 * thousandfold is not coming back; an optimizer that is merely noisy stays well below). A gradient the
 * server refused as non-finite is divergence too. The first sign is kept: the update it was seen at and why.
 */
public final class Divergence {
    /** How many times the first evaluated loss a loss may reach before the run counts as diverged. */
    public static final double FACTOR = 1000;

    private double firstLoss = Double.NaN;
    private long atUpdate = -1;
    private String reason;

    /** Takes in one evaluation; returns true when it is the first sign of divergence. */
    public synchronized boolean observe(Evaluation e) {
        if (Double.isNaN(firstLoss) && Double.isFinite(e.trainLoss())) {
            firstLoss = e.trainLoss();
        }
        if (atUpdate >= 0) {
            return false;
        }
        if (!Double.isFinite(e.trainLoss())) {
            return mark(e.version(), "training loss is " + e.trainLoss());
        }
        if (firstLoss > 0 && e.trainLoss() > FACTOR * firstLoss) {
            return mark(e.version(), String.format(Locale.ROOT, "training loss %.4g is more than %.0f times the "
                    + "first evaluated loss %.4g", e.trainLoss(), FACTOR, firstLoss));
        }
        return false;
    }

    /** A sign of divergence other than the loss (a refused non-finite gradient); returns true when it is the first. */
    public synchronized boolean mark(long version, String why) {
        if (atUpdate >= 0) {
            return false;
        }
        atUpdate = version;
        reason = why;
        return true;
    }

    public synchronized boolean diverged() {
        return atUpdate >= 0;
    }

    /** The update divergence was first seen at; -1 if it was not. */
    public synchronized long atUpdate() {
        return atUpdate;
    }

    /** Why the run counts as diverged; null if it does not. */
    public synchronized String reason() {
        return reason;
    }
}
