package dev.momentumps.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.momentumps.worker.data.SharedDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mps bench compare}: strictly one after another (the machine is small), the machine's limits
 * (iperf3 loopback, C memory kernels), our update kernel, then for every P the PyTorch RPC peer and our
 * transport (auto and TCP only), and the tiny model; prints every JSON line as it comes and then Markdown
 * tables of the ratios (ours against the peer, TCP against iperf3, our kernel against C).
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
    @Option(names = "--scaling-params", paramLabel = "P", defaultValue = "1000000", description = "Default: ${DEFAULT-VALUE}.")
    int scalingParams = 1_000_000;

    @Override
    public Integer call() throws Exception {
        if (runs < 1) {
            throw new IllegalArgumentException("--runs must be >= 1, got " + runs);
        }
        if (!(warmupSeconds >= 0)) {
            throw new IllegalArgumentException("--warmup-seconds must be >= 0, got " + warmupSeconds);
        }
        List<Integer> scaling = workerCounts(scalingWorkers, "--scaling-workers");
        Path bench = benchDir != null ? benchDir : defaultBenchDir();
        if (!Files.isDirectory(bench.resolve("torch-rpc"))) {
            throw new IllegalArgumentException("--bench-dir: no torch-rpc/ in " + bench);
        }
        Path tmp = Files.createTempDirectory("mps-compare-");
        CompareTable table = new CompareTable();
        if (!skipLimits) {
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
        List<Integer> sizes = new ArrayList<>(params);
        if (tiny) {
            sizes.add(6); // the tiny model, one worker
        }
        for (int p : sizes) {
            int w = p == 6 ? 1 : workers;
            List<JsonNode> peerRuns = new ArrayList<>();
            List<Map<String, Object>> autoRuns = new ArrayList<>();
            List<Map<String, Object>> tcpRuns = new ArrayList<>();
            for (int r = 0; r < runs; r++) { // interleaved, so a slow spell of the machine hits all three alike
                peerRuns.add(peer(bench, tmp, p, w, r));
                autoRuns.add(echo(ours(p, w, "auto")));
                tcpRuns.add(echo(ours(p, w, "tcp")));
            }
            table.peer(p, w, Medians.ofJson(peerRuns));
            table.ours(p, w, "auto", Medians.ofMaps(autoRuns));
            table.ours(p, w, "tcp", Medians.ofMaps(tcpRuns));
        }
        for (int w : scaling) {
            table.scaling(echo(ours(scalingParams, w, "auto")));
        }
        System.out.println();
        System.out.print(table.markdown());
        return 0;
    }

    private static Map<String, Object> echo(Map<String, Object> m) throws Exception {
        System.out.println(JSON.writeValueAsString(m));
        System.out.flush();
        return m;
    }

    private Map<String, Object> ours(int p, int w, String transport) throws Exception {
        TransportBench b = new TransportBench();
        b.params = p;
        b.workers = w;
        b.seconds = seconds;
        b.warmupSeconds = warmupSeconds;
        b.transport = transport;
        return b.run();
    }

    private JsonNode peer(Path bench, Path tmp, int p, int w, int run) throws Exception {
        List<JsonNode> out = lines(run(List.of(python, bench.resolve("torch-rpc/ps_throughput.py").toString(),
                "--params", Integer.toString(p), "--workers", Integer.toString(w),
                "--seconds", Double.toString(seconds)), tmp, "peer-" + p + "-" + w + "-" + run, (long) seconds + 300));
        if (out.isEmpty()) {
            throw new IllegalStateException("the peer printed no JSON for P=" + p + " W=" + w);
        }
        return out.get(out.size() - 1);
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

    /** "1,2,4" as worker counts, each >= 1; blank for none. @throws IllegalArgumentException naming {@code flag} */
    static List<Integer> workerCounts(String text, String flag) {
        List<Integer> counts = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return counts;
        }
        for (String part : text.split(",")) {
            int w;
            try {
                w = Integer.parseInt(part.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + ": '" + part.trim() + "' is not a worker count");
            }
            if (w < 1) {
                throw new IllegalArgumentException(flag + " must be >= 1 each, got " + w);
            }
            counts.add(w);
        }
        return counts;
    }
}
