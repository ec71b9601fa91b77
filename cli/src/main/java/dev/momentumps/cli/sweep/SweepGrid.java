package dev.momentumps.cli.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A user's grid over {@code train} flags: every {@code --flag V1,V2,...} (or {@code --flag=V1,V2}) is swept,
 * every other argument is passed to each run unchanged. The runs are the cartesian product, the first
 * swept flag varying slowest.
 *
 * @param fixed the arguments every run gets
 * @param swept flag → its values, in the order given
 */
public record SweepGrid(List<String> fixed, Map<String, List<String>> swept) {

    /** One run: its swept values by flag, and its whole {@code train} argument list (without --out). */
    public record Point(Map<String, String> values, List<String> args) {
    }

    /** Splits {@code args} into fixed arguments and swept flags. @throws IllegalArgumentException on a bad grid */
    public static SweepGrid parse(List<String> args) {
        List<String> fixed = new ArrayList<>();
        Map<String, List<String>> swept = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String flag = null;
            String value = null;
            if (a.startsWith("--") && a.contains("=")) {
                flag = a.substring(0, a.indexOf('='));
                value = a.substring(a.indexOf('=') + 1);
            } else if (a.startsWith("-") && i + 1 < args.size() && !args.get(i + 1).startsWith("--")
                    && args.get(i + 1).contains(",")) {
                flag = a;
                value = args.get(++i);
            }
            if (flag != null && value.contains(",")) {
                if (swept.containsKey(flag)) {
                    throw new IllegalArgumentException(flag + " is swept twice");
                }
                List<String> values = new ArrayList<>();
                for (String v : value.split(",", -1)) {
                    if (v.isBlank()) {
                        throw new IllegalArgumentException(flag + " " + value + ": empty value in the list");
                    }
                    values.add(v.trim());
                }
                swept.put(flag, List.copyOf(values));
            } else {
                fixed.add(a);
            }
        }
        if (fixed.contains("--out") || fixed.stream().anyMatch(f -> f.startsWith("--out="))) {
            throw new IllegalArgumentException("--out is the sweep's directory; give it before the train flags "
                    + "(each run writes to DIR/run-K)");
        }
        if (swept.isEmpty()) {
            throw new IllegalArgumentException("nothing to sweep: give at least one train flag with comma-separated "
                    + "values, e.g. --lr 0.01,0.1 --momentum 0,0.9");
        }
        return new SweepGrid(List.copyOf(fixed), swept);
    }

    /** Every combination, the first swept flag varying slowest. */
    public List<Point> points() {
        List<Point> out = new ArrayList<>();
        List<String> flags = new ArrayList<>(swept.keySet());
        int[] idx = new int[flags.size()];
        while (true) {
            Map<String, String> values = new LinkedHashMap<>();
            List<String> args = new ArrayList<>(fixed);
            for (int k = 0; k < flags.size(); k++) {
                String v = swept.get(flags.get(k)).get(idx[k]);
                values.put(flags.get(k), v);
                args.add(flags.get(k));
                args.add(v);
            }
            out.add(new Point(values, List.copyOf(args)));
            int k = flags.size() - 1;
            while (k >= 0 && ++idx[k] == swept.get(flags.get(k)).size()) {
                idx[k] = 0;
                k--;
            }
            if (k < 0) {
                return out;
            }
        }
    }
}
