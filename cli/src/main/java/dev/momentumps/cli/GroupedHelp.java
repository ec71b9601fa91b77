package dev.momentumps.cli;

import dev.momentumps.cli.options.ConsistencyOptions;
import dev.momentumps.cli.options.DashboardOptions;
import dev.momentumps.cli.options.OptimizerOptions;
import dev.momentumps.cli.options.RecoveryOptions;
import dev.momentumps.cli.options.ReportOptions;
import dev.momentumps.cli.options.ServerOptions;
import dev.momentumps.cli.options.SimulationOptions;
import dev.momentumps.cli.options.TaskOptions;
import dev.momentumps.cli.options.WireOptions;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code mps train --help} with its options under headings (run, task, optimizer, consistency, staleness,
 * transport, recovery, simulation, output) instead of one list of 60, in a 110-column table so that
 * descriptions and file names are not cut mid-word. An option's group is the options class that declares it;
 * the staleness treatments of {@link ConsistencyOptions} get their own heading.
 */
final class GroupedHelp implements CommandLine.IHelpSectionRenderer {
    static final int WIDTH = 110;
    private static final Set<String> STALENESS = Set.of("--staleness-bound", "--staleness-lr", "--dc-lambda",
            "--dc-adaptive");

    private GroupedHelp() {
    }

    /** Renders {@code cl}'s option list grouped. */
    static void install(CommandLine cl) {
        cl.setUsageHelpWidth(WIDTH);
        cl.getCommandSpec().usageMessage().abbreviateSynopsis(true); // "mps train [OPTIONS]": the groups list them
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, new GroupedHelp());
    }

    static String group(OptionSpec o) {
        if (o.longestName().equals("--help") || o.longestName().equals("--version")) {
            return "Help";
        }
        if (STALENESS.contains(o.longestName())) {
            return "Staleness (bound and compensation)";
        }
        Class<?> c = o.userObject() instanceof Field f ? f.getDeclaringClass() : Object.class;
        if (c == TaskOptions.class) {
            return "Task (model, data, length)";
        }
        if (c == OptimizerOptions.class) {
            return "Optimizer";
        }
        if (c == ConsistencyOptions.class) {
            return "Consistency";
        }
        if (c == WireOptions.class) {
            return "Transport and gradient encoding";
        }
        if (c == RecoveryOptions.class || c == ServerOptions.class) {
            return c == RecoveryOptions.class ? "Recovery (checkpoints, leases, bad gradients)" : "Server";
        }
        if (c == SimulationOptions.class) {
            return "Simulation";
        }
        if (c == ReportOptions.class || c == DashboardOptions.class || Set.of("--out", "--no-progress")
                .contains(o.longestName())) {
            return "Output (run directory, evaluation, dashboard)";
        }
        return "Run";
    }

    @Override
    public String render(Help help) {
        Map<String, List<OptionSpec>> groups = new LinkedHashMap<>();
        for (String g : List.of("Run", "Task (model, data, length)", "Optimizer", "Consistency",
                "Staleness (bound and compensation)", "Transport and gradient encoding", "Server",
                "Recovery (checkpoints, leases, bad gradients)", "Simulation",
                "Output (run directory, evaluation, dashboard)", "Help")) {
            groups.put(g, new ArrayList<>());
        }
        for (OptionSpec o : help.commandSpec().options()) {
            if (!o.hidden()) {
                groups.computeIfAbsent(group(o), k -> new ArrayList<>()).add(o);
            }
        }
        StringBuilder b = new StringBuilder();
        groups.forEach((heading, options) -> {
            if (options.isEmpty()) {
                return;
            }
            Help.Layout layout = help.createDefaultLayout();
            for (OptionSpec o : options) {
                layout.addOption(o, help.createDefaultParamLabelRenderer());
            }
            b.append(String.format("%n%s:%n", heading)).append(layout);
        });
        return b.toString();
    }
}
