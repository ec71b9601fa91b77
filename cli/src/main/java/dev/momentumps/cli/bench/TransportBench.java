package dev.momentumps.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.momentumps.cli.run.Channels;
import dev.momentumps.cli.run.PythonWorkers;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.client.GrpcParameterClient;
import dev.momentumps.worker.client.Transport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mps bench transport}: one real server process and W real worker processes on this machine; each
 * worker loops push a P-float gradient → the server applies heavy-ball momentum → fresh weights back. One
 * JSON line: rounds/s over all workers, GB/s moved (rounds × P × 4 × 2 / s), round-latency percentiles, the
 * path the tensors took, and the server's memory against the bound 1.2 × state + 256 MiB.
 */
@Command(name = "transport", mixinStandardHelpOptions = true,
        description = "Rounds per second of push -> momentum apply -> pull with real server and worker processes.")
public final class TransportBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--params", paramLabel = "P", defaultValue = "1000000", description = "Model size in floats. Default: ${DEFAULT-VALUE}.")
    int params = 1_000_000;
    @Option(names = "--workers", paramLabel = "W", defaultValue = "2", description = "Worker processes. Default: ${DEFAULT-VALUE}.")
    int workers = 2;
    @Option(names = "--seconds", paramLabel = "S", defaultValue = "10", description = "Timed seconds. Default: ${DEFAULT-VALUE}.")
    double seconds = 10;
    // measured on 2 cores (1M, W = 2, rounds/s per 5 s window from a run with no warm-up): 290 at 0-5 s,
    // 740 at 15-20 s, a dip to ~620 at 25-40 s while C2 compiles the big gRPC/Netty methods, steady 800-870
    // from 45 s on. Methods called once a round reach C2's tier-4 thresholds (5,000-15,000 calls) only after
    // tens of seconds at ~400 rounds/s per worker. 15 s of warm-up measured 490-720 rounds/s, 40-45 s 760-850.
    static final String DEFAULT_WARMUP_SECONDS = "45";
    @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = DEFAULT_WARMUP_SECONDS,
            description = "Untimed rounds first (JIT warm-up), once every worker has done one round. Default: ${DEFAULT-VALUE}.")
    double warmupSeconds = Double.parseDouble(DEFAULT_WARMUP_SECONDS);
    @Option(names = "--transport", paramLabel = "T", defaultValue = "auto",
            description = "auto (the payload socket; on one host shared memory above 1 MiB), tcp, socket (the server's "
                    + "payload socket, Java or Python workers), "
                    + "shared-memory, grpc-unary, grpc-stream. Default: ${DEFAULT-VALUE}.")
    String transport = "auto";
    @Option(names = "--apply-threads", paramLabel = "N", defaultValue = "0", description = "Server apply threads; 0: one per core.")
    int applyThreads;
    @Option(names = "--chunk-bytes", paramLabel = "BYTES", defaultValue = "1048576",
            description = "The server's chunk size on the wire. Default: ${DEFAULT-VALUE}.")
    int chunkBytes = 1 << 20;
    @Option(names = "--server-jvm", paramLabel = "OPT", split = " ",
            description = "Extra JVM options of the server process, e.g. '-XX:+FlightRecorder ...'.")
    List<String> serverJvm = new ArrayList<>();
    @Option(names = "--worker-jvm", paramLabel = "OPT", split = " ",
            description = "Extra JVM options of each worker process; {rank} is replaced by the worker's rank.")
    List<String> workerJvm = new ArrayList<>();
    @Option(names = "--dir", paramLabel = "DIR", description = "Where logs go (default: a temporary directory).")
    Path dir;
    @Option(names = "--python-workers", description = "The workers are Python processes (python3 -m "
            + "momentumps.bench_worker: the same loop through the momentumps package, torch tensors), as the "
            + "PyTorch RPC peer's are.")
    boolean pythonWorkers;
    @Option(names = "--server-host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "The address the server binds and the workers connect to (another host's, e.g. in a "
                    + "network namespace). Default: ${DEFAULT-VALUE}.")
    String serverHost = "127.0.0.1";
    @Option(names = "--worker-exec", paramLabel = "CMD", split = " ",
            description = "A command prefix each worker process runs under; {rank} is replaced, e.g. "
                    + "'ip netns exec host{rank}' puts each worker on a host of its own.")
    List<String> workerExec = new ArrayList<>();
    @Option(names = "--standby", description = "The server replicates to a hot standby process (mps server "
            + "--standby / --as-standby on this host): every round waits for the standby's acknowledgement, so the "
            + "result is the cost of a standby per round (standby_cpu_ms_per_round is the standby's CPU, standby_rss_mib and "
            + "standby_peak_rss_mib its memory).")
    boolean standby;

    @Override
    public Integer call() throws Exception {
        System.out.println(JSON.writeValueAsString(run()));
        return 0;
    }

    /** Runs the benchmark and returns the JSON line's fields. */
    Map<String, Object> run() throws Exception {
        if (params < 1 || workers < 1 || !(seconds > 0) || !(warmupSeconds >= 0)) {
            throw new IllegalArgumentException("--params and --workers must be >= 1, --seconds > 0, --warmup-seconds >= 0");
        }
        Transport.parse(transport, "--transport");
        if (serverHost.isBlank()) {
            throw new IllegalArgumentException("--server-host must not be empty");
        }
        Map<String, Object> before = MachineLoad.sample(1000);
        PythonWorkers python = pythonWorkers ? PythonWorkers.find() : null;
        Path d = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("mps-bench-");
        Path portFile = d.resolve("server.port");
        Files.deleteIfExists(portFile);
        List<String> s = new ArrayList<>(List.of("server", "--port", "0", "--port-file", portFile.toString(),
                "--bind", serverHost, "--optimizer", "momentum", "--lr", "0.000001", "--momentum", "0.9",
                "--apply-threads", Integer.toString(applyThreads), "--wait-ms", "120000",
                "--chunk-bytes", Integer.toString(chunkBytes)));
        Transport.parse(transport, "--transport"); // the server offers its payload socket (--payload-port auto)
        Process replica = null;
        if (standby) {
            Path standbyPort = d.resolve("standby.port");
            Files.deleteIfExists(standbyPort);
            List<String> b = new ArrayList<>(s);
            b.set(b.indexOf(portFile.toString()), standbyPort.toString());
            b.add("--as-standby");
            replica = BenchProcess.mps(serverJvm, b, d.resolve("standby.log"));
            s.addAll(List.of("--standby", serverHost + ":" + BenchProcess.awaitFile(standbyPort, replica, 60_000,
                    d.resolve("standby.log"))));
        }
        Process server = BenchProcess.mps(serverJvm, s, d.resolve("server.log"));
        List<Process> ws = new ArrayList<>();
        try {
            String address = serverHost + ":" + BenchProcess.awaitFile(portFile, server, 60_000, d.resolve("server.log"));
            initialize(address);
            Path go = d.resolve("go");
            Files.deleteIfExists(go);
            for (int r = 0; r < workers; r++) {
                Path ready = d.resolve("worker-" + r + ".ready");
                Files.deleteIfExists(ready);
                List<String> jvm = new ArrayList<>();
                for (String o : workerJvm) {
                    jvm.add(o.replace("{rank}", Integer.toString(r)));
                }
                List<String> prefix = new ArrayList<>();
                for (String o : workerExec) {
                    if (!o.isBlank()) {
                        prefix.add(o.replace("{rank}", Integer.toString(r)));
                    }
                }
                List<String> loop = List.of("--server", address, "--params", Integer.toString(params), "--rank",
                        Integer.toString(r), "--ready", ready.toString(), "--go", go.toString(), "--seconds",
                        Double.toString(seconds), "--transport", transport, "--out",
                        d.resolve("worker-" + r + ".json").toString());
                Path log = d.resolve("worker-" + r + ".log");
                if (pythonWorkers) {
                    List<String> cmd = new ArrayList<>(prefix);
                    cmd.addAll(python.command("momentumps.bench_worker", loop));
                    ProcessBuilder pb = new ProcessBuilder(cmd)
                            .redirectErrorStream(true).redirectOutput(log.toFile());
                    pb.environment().putAll(python.environment());
                    ws.add(pb.start());
                } else {
                    List<String> a = new ArrayList<>(List.of("bench", "worker-loop"));
                    a.addAll(loop);
                    ws.add(BenchProcess.mps(prefix, jvm, a, log));
                }
            }
            // every worker has done a round, then all warm up together, then all are timed over one window
            for (int r = 0; r < workers; r++) {
                BenchProcess.awaitFile(d.resolve("worker-" + r + ".ready"), ws.get(r), 120_000,
                        d.resolve("worker-" + r + ".log"));
            }
            long startAt = System.currentTimeMillis() + Math.round(warmupSeconds * 1000);
            Path tmp = d.resolve("go.tmp");
            Files.writeString(tmp, Long.toString(startAt));
            Files.move(tmp, go, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Thread.sleep(Math.max(0, startAt - System.currentTimeMillis()));
            double serverCpuStart = BenchProcess.cpuSeconds(server.pid());
            double standbyCpuStart = replica == null ? 0 : BenchProcess.cpuSeconds(replica.pid());
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.round(seconds) + 120);
            // the server's memory, sampled through the timed window: the largest value of each figure
            Map<String, Double> memory = BenchProcess.memoryMiB(server.pid());
            Map<String, Double> standbyMemory = replica == null ? Map.of() : BenchProcess.memoryMiB(replica.pid());
            for (int r = 0; r < workers; r++) {
                Process p = ws.get(r);
                while (!p.waitFor(500, TimeUnit.MILLISECONDS) && System.nanoTime() < waitUntil) {
                    memory = BenchProcess.max(memory, BenchProcess.memoryMiB(server.pid()));
                    if (replica != null) {
                        standbyMemory = BenchProcess.max(standbyMemory, BenchProcess.memoryMiB(replica.pid()));
                    }
                }
                if (p.isAlive() || p.exitValue() != 0) {
                    throw new IllegalStateException("bench worker " + r + " failed:\n"
                            + BenchProcess.tail(d.resolve("worker-" + r + ".log")));
                }
            }
            double serverCpu = BenchProcess.cpuSeconds(server.pid()) - serverCpuStart;
            Map<String, Object> out = summarize(d, memory, serverCpu);
            out.put("load_1m_before", before.get("load_1m"));
            out.put("idle_pct_before", before.get("idle_pct"));
            out.put("standby", standby);
            if (replica != null) {
                double standbyCpu = BenchProcess.cpuSeconds(replica.pid()) - standbyCpuStart;
                out.put("standby_cpu_ms_per_round", round(standbyCpu * 1000 / Math.max(1, (long) out.get("rounds")), 3));
                // the second copy of the state: the standby's memory, sampled as the server's
                out.put("standby_rss_mib", standbyMemory.get("VmRSS"));
                out.put("standby_peak_rss_mib", standbyMemory.get("VmHWM"));
            }
            return out;
        } finally {
            for (Process p : ws) {
                BenchProcess.stop(p);
            }
            BenchProcess.stop(server);
            if (replica != null) {
                BenchProcess.stop(replica);
            }
        }
    }

    /** Sets up the model (one tensor of P zeros) through a short-lived client, so no worker waits on another. */
    private void initialize(String address) {
        try (GrpcParameterClient c = new GrpcParameterClient(Channels.forAddress(address, "server"), true, 60_000)) {
            c.register(0, "bench-init");
            c.initialize(TensorLayout.builder().add("w", params).build(), new float[params]);
            c.deregister();
        }
    }

    private Map<String, Object> summarize(Path d, Map<String, Double> memory, double serverCpu) throws Exception {
        long rounds = 0;
        double workerCpu = 0;
        double slowest = 0;
        TreeSet<String> paths = new TreeSet<>();
        long[] all = new long[0];
        for (int r = 0; r < workers; r++) {
            JsonNode w = JSON.readTree(d.resolve("worker-" + r + ".json").toFile());
            rounds += w.get("rounds").asLong();
            workerCpu += w.get("cpu_seconds").asDouble();
            slowest = Math.max(slowest, w.get("seconds").asDouble());
            paths.add(w.get("transport").asText());
            JsonNode lat = w.get("latencies_ns");
            int from = all.length;
            all = Arrays.copyOf(all, from + lat.size());
            for (int i = 0; i < lat.size(); i++) {
                all[from + i] = lat.get(i).asLong();
            }
        }
        Arrays.sort(all);
        // every worker is timed over the same wall-clock window of `seconds`
        double window = seconds;
        double stateMiB = params * 2.0 * Float.BYTES / (1 << 20); // weights + velocity
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bench", "transport");
        out.put("impl", pythonWorkers ? "momentum-ps (Python workers)" : "momentum-ps");
        out.put("params", params);
        out.put("workers", workers);
        out.put("seconds", seconds);
        out.put("rounds", rounds);
        out.put("rounds_per_s", round(rounds / window, 1));
        out.put("gbytes_per_s", round(rounds * (double) params * Float.BYTES * 2 / window / 1e9, 3));
        out.put("p50_round_ms", round(percentile(all, 0.50) / 1e6, 3));
        out.put("p99_round_ms", round(percentile(all, 0.99) / 1e6, 3));
        out.put("transport", String.join("+", paths));
        // CPU per round does not depend on how busy the machine is, unlike rounds/s
        out.put("server_cpu_ms_per_round", round(serverCpu * 1000 / Math.max(1, rounds), 3));
        out.put("worker_cpu_ms_per_round", round(workerCpu * 1000 / Math.max(1, rounds), 3));
        // CPU per byte moved: like CPU per round, a good guide on a busy machine; rounds/s is not
        out.put("cpu_ns_per_byte", round((serverCpu + workerCpu) * 1e9 / Math.max(1.0, rounds * (double) params * Float.BYTES * 2), 4));
        out.put("load_average", round(java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage(), 2));
        out.put("server_rss_mib", memory.get("VmRSS"));
        out.put("server_peak_rss_mib", memory.get("VmHWM"));
        out.put("server_rss_anon_mib", memory.get("RssAnon"));
        out.put("server_rss_shmem_mib", memory.get("RssShmem"));
        // proportional set size: the workers' shared regions count half to the server when two processes map them
        out.put("server_pss_mib", memory.get("Pss"));
        out.put("server_pss_anon_mib", memory.get("Pss_Anon"));
        out.put("server_pss_shmem_mib", memory.get("Pss_Shmem"));
        out.put("state_mib", round(stateMiB, 1));
        out.put("memory_bound_mib", round(1.2 * stateMiB + 256, 1));
        return out;
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    static double round(double x, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(x * f) / f;
    }
}
