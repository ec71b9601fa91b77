package dev.momentumps.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.momentumps.cli.run.Channels;
import dev.momentumps.wire.ParameterClient;
import dev.momentumps.worker.client.GrpcParameterClient;
import dev.momentumps.worker.client.Transport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One worker process of {@code mps bench transport} (hidden): loops push a fixed gradient → fresh weights
 * back, untimed until {@code --start-at-ms}, then timed for {@code --seconds}; writes its round count and
 * every round's latency to a JSON file.
 */
@Command(name = "worker-loop", hidden = true, description = "One worker of 'mps bench transport'.")
final class BenchWorker implements Callable<Integer> {
    @Option(names = "--server", required = true)
    String server;
    @Option(names = "--params", required = true)
    int params;
    @Option(names = "--rank", defaultValue = "0")
    int rank;
    @Option(names = "--ready", required = true, description = "File this worker creates after its first round.")
    Path ready;
    @Option(names = "--go", required = true,
            description = "File the launcher writes (the wall-clock ms when timing starts) once every worker is ready.")
    Path go;
    @Option(names = "--seconds", required = true)
    double seconds;
    @Option(names = "--transport", defaultValue = "auto")
    String transport;
    @Option(names = "--out", required = true)
    Path out;

    @Override
    public Integer call() throws Exception {
        Transport t = Transport.parse(transport, "--transport");
        float[] gradient = new float[params];
        Random random = new Random(rank + 1);
        for (int i = 0; i < params; i++) {
            gradient[i] = (float) (random.nextGaussian() * 1e-3);
        }
        float[] weights = new float[params];
        long[] latencies = new long[1 << 16];
        int timed = 0;
        long startAtMs = Long.MAX_VALUE;
        long end = Long.MAX_VALUE;
        long lastLook = 0;
        long giveUp = System.currentTimeMillis() + 300_000;
        try (GrpcParameterClient client = new GrpcParameterClient(Channels.forAddress(server, "--server"), true,
                120_000, t)) {
            client.register(rank, "bench-" + rank + "@" + ProcessHandle.current().pid());
            long version = client.pull(weights);
            long sequence = 0;
            long timedStart = 0;
            long timedEnd = 0;
            double cpuStart = Double.NaN;
            while (true) {
                long now = System.currentTimeMillis();
                if (now >= end) {
                    break;
                }
                if (startAtMs == Long.MAX_VALUE && now - lastLook >= 20) {
                    lastLook = now;
                    if (sequence >= 1 && !Files.exists(ready)) {
                        Files.writeString(ready, "ready");
                    }
                    if (Files.exists(go)) {
                        startAtMs = Long.parseLong(Files.readString(go).trim());
                        end = startAtMs + Math.round(seconds * 1000);
                    } else if (now > giveUp) {
                        throw new IllegalStateException("no start signal within 300 s");
                    }
                }
                boolean timing = now >= startAtMs;
                long t0 = System.nanoTime();
                if (timing && timedStart == 0) {
                    timedStart = t0;
                    cpuStart = BenchProcess.cpuSeconds(ProcessHandle.current().pid());
                }
                ParameterClient.PushResult r = client.push(version, ++sequence, gradient, Double.NaN, 32, weights);
                long t1 = System.nanoTime();
                version = r.version();
                if (timing) {
                    if (timed == latencies.length) {
                        latencies = Arrays.copyOf(latencies, timed * 2);
                    }
                    latencies[timed++] = t1 - t0;
                    timedEnd = t1;
                }
            }
            for (float w : weights) {
                if (!Float.isFinite(w)) {
                    throw new IllegalStateException("weights went non-finite");
                }
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("rank", rank);
            result.put("rounds", timed);
            result.put("seconds", (timedEnd - timedStart) / 1e9);
            result.put("cpu_seconds", BenchProcess.cpuSeconds(ProcessHandle.current().pid()) - cpuStart);
            result.put("transport", client.lastTransport() == null ? "none" : client.lastTransport().cliName());
            result.put("latencies_ns", Arrays.copyOf(latencies, timed));
            client.deregister();
            new ObjectMapper().writeValue(out.toFile(), result);
        }
        return 0;
    }
}
