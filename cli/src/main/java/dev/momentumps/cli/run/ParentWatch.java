package dev.momentumps.cli.run;

import java.util.Map;
import java.util.Optional;

/**
 * Makes a child {@code mps} process exit when the process that started it dies, however it dies: Java has no
 * {@code PR_SET_PDEATHSIG}, so {@link MpsProcesses} passes its own pid in {@value #ENV} and the child watches
 * it. A parent killed with SIGKILL thus takes its server and workers with it instead of leaving them
 * reparented to init, holding ports and memory.
 *
 * <p>Every {@value #POLL_MS} ms a daemon thread checks that the parent is alive and is still this process's
 * parent (a child whose parent died is reparented, so a recycled pid cannot pass for it). When it is gone the
 * child exits through {@link System#exit} — a server's shutdown hook stops taking calls and writes its final
 * checkpoint — and is halted if that takes longer than {@value #HALT_AFTER_MS} ms.
 */
public final class ParentWatch {
    /** The environment variable holding the parent's pid. */
    public static final String ENV = "MPS_PARENT_PID";
    static final long POLL_MS = 250;
    static final long HALT_AFTER_MS = 30_000;
    /** The exit code of a child whose parent is gone (128 + SIGHUP, what a terminal's children get). */
    static final int EXIT_CODE = 129;

    private ParentWatch() {
    }

    /** The variable to give a child so that it watches this process. */
    static Map<String, String> forChild() {
        return Map.of(ENV, Long.toString(ProcessHandle.current().pid()));
    }

    /** Starts watching when {@code env} names a parent; does nothing otherwise. */
    public static void startFromEnvironment(Map<String, String> env) {
        String value = env.get(ENV);
        if (value == null || value.isBlank()) {
            return;
        }
        long parent;
        try {
            parent = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            System.err.println("momentum-ps: ignoring " + ENV + "=" + value + ": not a pid");
            return;
        }
        boolean direct = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) == parent;
        Thread t = new Thread(() -> watch(parent, direct), "mps-parent-watch");
        t.setDaemon(true);
        t.start();
    }

    private static void watch(long parent, boolean direct) {
        try {
            while (alive(parent, direct)) {
                Thread.sleep(POLL_MS);
            }
        } catch (InterruptedException e) {
            return;
        }
        System.err.println("momentum-ps: the process that started this one (pid " + parent + ") is gone; exiting");
        Thread halt = new Thread(() -> {
            try {
                Thread.sleep(HALT_AFTER_MS);
            } catch (InterruptedException e) {
                return;
            }
            Runtime.getRuntime().halt(EXIT_CODE);
        }, "mps-parent-watch-halt");
        halt.setDaemon(true);
        halt.start();
        System.exit(EXIT_CODE);
    }

    private static boolean alive(long parent, boolean direct) {
        if (direct) {
            Optional<ProcessHandle> p = ProcessHandle.current().parent();
            return p.isPresent() && p.get().pid() == parent && p.get().isAlive();
        }
        return ProcessHandle.of(parent).map(ProcessHandle::isAlive).orElse(false);
    }
}
