package dev.momentumps.cli.options;

import java.util.List;

/** Appends options to a child process's argument list. */
final class Args {
    private Args() {
    }

    static void add(List<String> args, String flag, Object value) {
        if (value != null) {
            args.add(flag);
            args.add(String.valueOf(value));
        }
    }

    static void flag(List<String> args, String flag, boolean on) {
        if (on) {
            args.add(flag);
        }
    }
}
