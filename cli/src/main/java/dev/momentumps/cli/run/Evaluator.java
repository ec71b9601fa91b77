package dev.momentumps.cli.run;

import dev.momentumps.study.report.Evaluation;
import dev.momentumps.worker.task.Task;

/** What a run trains, as its reports see it: a description, and the losses and accuracy of given weights. */
public interface Evaluator extends AutoCloseable {

    String description();

    /** The training loss, test loss and test accuracy (NaN when there is no test set) at weights {@code w}. */
    Evaluation evaluate(long version, double seconds, float[] w) throws Exception;

    @Override
    default void close() throws Exception {
    }

    /** A Java task's model on its own data. */
    static Evaluator of(Task task) {
        return new Evaluator() {
            @Override
            public String description() {
                return task.description();
            }

            @Override
            public Evaluation evaluate(long version, double seconds, float[] w) {
                return Evaluation.of(task, version, seconds, w);
            }
        };
    }
}
