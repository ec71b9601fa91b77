package dev.momentumps.cli.run;

import dev.momentumps.cli.options.TaskOptions;
import dev.momentumps.worker.task.GradientTask;
import dev.momentumps.worker.task.Task;
import dev.momentumps.worker.task.TaskSpec;
import dev.momentumps.worker.task.Tasks;
import java.util.ArrayList;
import java.util.List;

/** A task's W in-process workers as {@code mps train} makes them: each rank's source and steps, and the total. */
public record TaskWorkers(Task task, TaskSpec spec, List<GradientTask> sources, List<Long> steps, long total) {

    public static TaskWorkers of(TaskOptions options, int workers) {
        TaskSpec spec = options.spec();
        Task t = Tasks.build(spec);
        List<GradientTask> sources = new ArrayList<>();
        List<Long> steps = new ArrayList<>();
        long total = 0;
        for (int r = 0; r < workers; r++) {
            sources.add(t.worker(spec, r, workers));
            steps.add(options.stepsFor(sources.get(r), workers));
            total += steps.get(r);
        }
        return new TaskWorkers(t, spec, sources, steps, total);
    }
}
