package dev.momentumps.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.momentumps.worker.data.SharedDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mps bench compare}: strictly one after another (the machine is small). First every configuration
 * of the PyTorch RPC peer once alone, before any process of ours has run; then the machine's limits (iperf3
 * loopback, C memory kernels), our update kernel, then for every P, interleaved, the peer (shared memory and
 * TCP), ours (auto, TCP only, and with Python workers) and the tiny model; prints every JSON line as it comes
 * and then Markdown tables of the ratios and of CPU per byte moved.
 *
 * <p>A comparison that handicaps the peer is worthless: before each run it prints the load average, the idle
 * CPU and how many processes this command started are still alive (it stops them: none may share the cores
 * with the next run), and it prints no table when the median of a peer configuration inside the comparison is
 * more than 20% below the same configuration run alone first.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Ours vs the PyTorch RPC peer vs the machine's limits, one after another; prints a Markdown table.")
public final class CompareBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--params", paramLabel = "P", split = ",", defaultValue = "100000,1000000,10000000",
            description = "Model sizes. Default: ${DEFAULT-VALUE}.")
    List<Integer> params;
    @Option(names = "--workers", paramLabel = "W", defaultValue = "2", description = "Default: ${DEFAULT-VALUE}.")
    int workers = 2;
    @Option(names = "--seconds", paramLabel = "S", defaultValue = "10", description = "Per run. Default: ${DEFAULT-VALUE}.")
    double seconds = 10;
    @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = TransportBench.DEFAULT_WARMUP_SECONDS,
            description = "Untimed JIT warm-up before each of our runs (the peer, Python, needs none). Default: ${DEFAULT-VALUE}.")
    double warmupSeconds = Double.parseDouble(TransportBench.DEFAULT_WARMUP_SECONDS);
    @Option(names = "--bench-dir", paramLabel = "DIR",
            description = "The peer and limit probes (default: ../shared/bench beside the project).")
    Path benchDir;
    @Option(names = "--python", paramLabel = "EXE", defaultValue = "/usr/bin/python3", description = "Default: ${DEFAULT-VALUE}.")
    String python = "/usr/bin/python3";
    @Option(names = "--skip-limits", description = "Do not run the limits probe.")
    boolean skipLimits;
    @Option(names = "--runs", paramLabel = "N", defaultValue = "3",
            description = "Runs of each peer and ours configuration; the table shows the median. Default: ${DEFAULT-VALUE}.")
    int runs = 3;
    @Option(names = "--scaling-workers", paramLabel = "W[,W...]", defaultValue = "1,2,4,8",
            description = "Worker counts of the scaling rows (ours, shared memory, P = --scaling-params); empty to skip. Default: ${DEFAULT-VALUE}.")
    String scalingWorkers;
    @Option(names = "--tiny", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also the tiny model (P = 6, one worker). Default: ${DEFAULT-VALUE}.")
    boolean tiny = true;
    @Option(names = "--peer-transports", paramLabel = "T[,T...]", split = ",", defaultValue = "default,tcp",
            description = "The peer's transports (ps_throughput.py --transport): default (shared memory on one "
                    + "host) and tcp. Default: ${DEFAULT-VALUE}.")
    List<String> peerTransports;
    @Option(names = "--python-params", paramLabel = "P[,P...]", defaultValue = "1000000,10000000",
            description = "Model sizes at which ours also runs with Python workers (bench transport "
                    + "--python-workers); empty for none. Default: ${DEFAULT-VALUE}.")
    String pythonParams;
    @Option(names = "--scaling-params", paramLabel = "P", defaultValue = "1000000", description = "Default: ${DEFAULT-VALUE}.")
    int scalingParams = 1_000_000;

    /** The peer inside the comparison may be at most this much slower than alone (median against one run). */
    static final double PEER_FLOOR = 0.8;

    @Override
    public Integer call() throws Exception {
        if (runs < 1) {
            throw new IllegalArgumentException("--runs must be >= 1, got " + runs);
        }
        if (!(warmupSeconds >= 0)) {
            throw new IllegalArgumentException("--warmup-seconds must be >= 0, got " + warmupSeconds);
        }
        for (String t : peerTransports) {
            if (!t.equals("default") && !t.equals("tcp")) {
                throw new IllegalArgumentException("--peer-transports: '" + t + "' is neither default nor tcp");
            }
        }
        List<Integer> scaling = workerCounts(scalingWorkers, "--scaling-workers");
        List<Integer> python = sizes(pythonParams, "--python-params");
        Path bench = benchDir != null ? benchDir : defaultBenchDir();
        if (!Files.isDirectory(bench.resolve("torch-rpc"))) {
            throw new IllegalArgumentException("--bench-dir: no torch-rpc/ in " + bench);
        }
        Path tmp = Files.createTempDirectory("mps-compare-");
        CompareTable table = new CompareTable();
        List<Integer> sizes = new ArrayList<>(params);
        if (tiny) {
            sizes.add(6); // the tiny model, one worker
        }
        // each peer configuration alone first, as a user runs it, before any process of ours has run
        for (int p : sizes) {
            for (String t : peerTransports) {
                int w = p == 6 ? 1 : workers;
                machine("peer alone P=" + p + " W=" + w + " " + t);
                table.peerAlone(p, w, t, peer(bench, tmp, p, w, t, "alone"));
            }
        }
        if (!skipLimits) {
            machine("limits.sh");
            for (JsonNode j : lines(run(List.of("bash", bench.resolve("limits/limits.sh").toString()), tmp, "limits", 600))) {
                table.limit(j);
            }
        }
        for (int t : new int[] {1, 2}) {
            ApplyBench a = new ApplyBench();
            a.threads = t;
            a.params = 10_000_000;
            table.apply(t, echo(a.run()));
        }
        for (int p : sizes) {
            int w = p == 6 ? 1 : workers;
            Map<String, List<JsonNode>> peerRuns = new LinkedHashMap<>();
            Map<String, List<Map<String, Object>>> ourRuns = new LinkedHashMap<>();
            for (int r = 0; r < runs; r++) { // interleaved, so a slow spell of the machine hits all alike
                for (String t : peerTransports) {
                    machine("peer P=" + p + " W=" + w + " " + t);
                    peerRuns.computeIfAbsent(t, k -> new ArrayList<>()).add(peer(bench, tmp, p, w, t, Integer.toString(r)));
                }
                for (String ours : python.contains(p) ? List.of("auto", "tcp", "python") : List.of("auto", "tcp")) {
                    machine("ours P=" + p + " W=" + w + " " + ours);
                    ourRuns.computeIfAbsent(ours, k -> new ArrayList<>()).add(echo(ours(p, w, ours)));
                }
            }
            peerRuns.forEach((t, list) -> table.peer(p, w, t, Medians.ofJson(list)));
            ourRuns.forEach((t, list) -> table.ours(p, w, t, Medians.ofMaps(list)));
        }
        for (int w : scaling) {
            machine("ours P=" + scalingParams + " W=" + w + " auto");
            table.scaling(echo(ours(scalingParams, w, "auto")));
        }
        System.out.println();
        List<String> unfair = table.unfairPeers(PEER_FLOOR);
        if (!unfair.isEmpty()) {
            System.out.println("No table: the peer ran more than " + Math.round(100 * (1 - PEER_FLOOR))
                    + "% slower inside the comparison than alone, so the comparison is not fair:");
            for (String u : unfair) {
                System.out.println("  " + u);
            }
            return 3;
        }
        System.out.print(table.markdown());
        return 0;
    }

    /**
     * Prints how busy the machine is before a run, and stops any process this command started that is still
     * alive (it would share the cores with the run).
     */
    private static void machine(String next) throws Exception {
        List<ProcessHandle> left = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
        for (ProcessHandle h : left) {
            h.destroyForcibly();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("machine", "before " + next);
        m.putAll(MachineLoad.sample(1000));
        m.put("our_processes_stopped", left.size());
        echo(m);
    }

    private static Map<String, Object> echo(Map<String, Object> m) throws Exception {
        System.out.println(JSON.writeValueAsString(m));
        System.out.flush();
        return m;
    }

    /** Ours: transport auto or tcp, or "python" (Python workers, transport auto). */
    private Map<String, Object> ours(int p, int w, String kind) throws Exception {
        TransportBench b = new TransportBench();
        b.params = p;
        b.workers = w;
        b.seconds = seconds;
        b.warmupSeconds = warmupSeconds;
        b.pythonWorkers = kind.equals("python");
        b.transport = b.pythonWorkers ? "auto" : kind;
        return b.run();
    }

    private JsonNode peer(Path bench, Path tmp, int p, int w, String transport, String run) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(python, bench.resolve("torch-rpc/ps_throughput.py").toString(),
                "--params", Integer.toString(p), "--workers", Integer.toString(w),
                "--seconds", Double.toString(seconds), "--transport", transport));
        JsonNode j = PeerRun.run(cmd, tmp.resolve("peer-" + p + "-" + w + "-" + transport + "-" + run + ".log"),
                seconds, (long) seconds + 300);
        System.out.println(JSON.writeValueAsString(j));
        System.out.flush();
        return j;
    }

    private static Path run(List<String> cmd, Path tmp, String name, long timeoutSeconds) throws Exception {
        Path log = tmp.resolve(name + ".log");
        Process p = BenchProcess.command(cmd, log);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            BenchProcess.stop(p);
            throw new IllegalStateException(name + " did not finish in " + timeoutSeconds + " s:\n" + BenchProcess.tail(log));
        }
        return log;
    }

    private static List<JsonNode> lines(Path log) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("{")) {
                JsonNode j = JSON.readTree(line);
                System.out.println(line);
                out.add(j);
            }
        }
        System.out.flush();
        return out;
    }

    private static Path defaultBenchDir() {
        // <project root>/../shared/bench, the project root found from here or from where mps.jar is
        return SharedDirectory.find("bench").orElse(SharedDirectory.candidates("bench").get(0));
    }

    /** "1000000,10000000" as model sizes, each >= 1; blank for none. @throws IllegalArgumentException naming {@code flag} */
    static List<Integer> sizes(String text, String flag) {
        return positiveInts(text, flag);
    }

    /** "1,2,4" as worker counts, each >= 1; blank for none. @throws IllegalArgumentException naming {@code flag} */
    static List<Integer> workerCounts(String text, String flag) {
        return positiveInts(text, flag);
    }

    private static List<Integer> positiveInts(String text, String flag) {
        List<Integer> counts = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return counts;
        }
        for (String part : text.split(",")) {
            int w;
            try {
                w = Integer.parseInt(part.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + ": '" + part.trim() + "' is not a whole number");
            }
            if (w < 1) {
                throw new IllegalArgumentException(flag + " must be >= 1 each, got " + w);
            }
            counts.add(w);
        }
        return counts;
    }
}
