package dev.momentumps.cli.bench;

import dev.momentumps.cli.run.JvmOptions;
import dev.momentumps.cli.run.ProcessCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Child processes of the benchmarks: JVMs running {@code mps}, and their memory as Linux reports it. */
final class BenchProcess {
    private BenchProcess() {
    }

    /** A JVM running {@code mps args...} with this JVM's class path, output to {@code log}. */
    static Process mps(List<String> jvmOptions, List<String> args, Path log) throws IOException {
        return mps(List.of(), jvmOptions, args, log);
    }

    /** The same, run under a command prefix (e.g. {@code ip netns exec HOST}). */
    static Process mps(List<String> prefix, List<String> jvmOptions, List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(JvmOptions.forCommand(args)); // then the caller's, which win
        for (String o : jvmOptions) {
            if (!o.isBlank()) { // --server-jvm "" must not become an empty argument (java takes it as the class)
                cmd.add(o);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.momentumps.cli.Main");
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(JvmOptions.envForCommand(args));
        return pb.start();
    }

    /** Any command, output to {@code log}. */
    static Process command(List<String> cmd, Path log) throws IOException {
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Waits for a file another process writes, failing fast if that process dies. */
    static String awaitFile(Path file, Process writer, long timeoutMillis, Path log) throws IOException,
            InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                return Files.readString(file).trim();
            }
            if (!writer.isAlive()) {
                throw new IOException("process exited with code " + writer.exitValue() + ":\n" + tail(log));
            }
            Thread.sleep(20);
        }
        throw new IOException("no " + file + " within " + timeoutMillis + " ms:\n" + tail(log));
    }

    static String tail(Path log) {
        return ProcessCluster.tail(log);
    }

    /**
     * SIGTERM, then SIGKILL after ten seconds, to the process and to every process it started (a peer's
     * trainers, a wrapper's child): nothing of one run may still use a core while the next is measured.
     */
    static void stop(Process p) throws InterruptedException {
        List<ProcessHandle> children = p.descendants().toList();
        ProcessCluster.stop(p);
        for (ProcessHandle h : children) {
            if (h.isAlive()) {
                h.destroy();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ProcessHandle h : children) {
            while (h.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
    }

    /**
     * CPU seconds of {@code root} and every process it started, updating {@code seen} (pid to its last
     * reading): a process that has ended keeps the CPU it used in the sum.
     */
    static double treeCpuSeconds(ProcessHandle root, Map<Long, Double> seen) {
        List<ProcessHandle> all = new ArrayList<>();
        all.add(root);
        all.addAll(root.descendants().toList());
        for (ProcessHandle h : all) {
            double s = cpuSeconds(h.pid());
            if (!Double.isNaN(s)) {
                seen.merge(h.pid(), s, Math::max);
            }
        }
        double sum = 0;
        for (double s : seen.values()) {
            sum += s;
        }
        return sum;
    }

    /** CPU seconds (user + system) a process has used, from {@code /proc/PID/stat}; NaN when unknown. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // fields after the parenthesised command name; utime and stime are the 14th and 15th fields
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * The process's memory as Linux reports it, in MiB: from {@code /proc/PID/status} VmRSS, VmHWM (peak
     * RSS), RssAnon (heap and other private memory), RssShmem (mapped shared regions, counted whole in every
     * process that maps them); from {@code /proc/PID/smaps_rollup} Pss, Pss_Anon, Pss_Shmem (proportional:
     * a page shared by k processes counts 1/k in each). Empty when not on Linux.
     */
    static Map<String, Double> memoryMiB(long pid) {
        Map<String, Double> m = new LinkedHashMap<>();
        read(Path.of("/proc/" + pid + "/status"), List.of("VmRSS", "VmHWM", "RssAnon", "RssShmem"), m);
        read(Path.of("/proc/" + pid + "/smaps_rollup"), List.of("Pss", "Pss_Anon", "Pss_Shmem"), m);
        return m;
    }

    /** Each figure's largest value over two readings. */
    static Map<String, Double> max(Map<String, Double> a, Map<String, Double> b) {
        Map<String, Double> m = new LinkedHashMap<>(a);
        b.forEach((k, v) -> m.merge(k, v, Math::max));
        return m;
    }

    private static void read(Path file, List<String> keys, Map<String, Double> into) {
        try {
            for (String line : Files.readAllLines(file)) {
                for (String key : keys) {
                    if (line.startsWith(key + ":")) {
                        String kb = line.substring(key.length() + 1).trim().split("\\s+")[0];
                        into.put(key, Math.round(Long.parseLong(kb) / 1024.0 * 10) / 10.0);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone: no figures from this file
        }
    }
}
