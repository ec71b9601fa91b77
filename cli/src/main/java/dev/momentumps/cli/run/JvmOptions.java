package dev.momentumps.cli.run;

import dev.momentumps.wire.config.ConfigKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JVM options a server process starts with, in one place: {@code ./mps server} (the {@code mps} script
 * passes the same list, checked by a test), the servers {@code mps train} and {@code mps sweep} start, and
 * the one {@code mps bench transport} measures.
 *
 * <p>Why: a parameter server's heap is a few model-sized arrays that live for the whole run plus a little
 * short-lived garbage per call. The default ergonomics on this kind of machine (2 cores, 24 GiB) pick G1
 * with a 384 MiB initial heap and 6 GiB maximum, about 50 MiB of G1 bookkeeping, and a young generation
 * that grows with the heap: at 10M parameters the server sat at 300 MiB of committed heap for 180 MiB of
 * live arrays. The serial collector with a small fixed young generation and a heap that tracks what is
 * live keeps the process near its live set, and a young collection of 16 MiB is a pause of a few
 * milliseconds at most. {@code -Dmps.gcAfterInitialize=true} makes the server run one full collection once
 * the model is initialised, so the old generation shrinks to the live state after the start-up copies.
 * {@link #SERVER_ENV} caps glibc's malloc arenas: the JIT's transient native memory otherwise stays in
 * per-thread arenas (about 40 MiB of RSS at 10M parameters here). {@code -XX:TrimNativeHeapInterval=2000} has
 * the JVM hand glibc's freed memory back to the kernel every 2 s ({@code malloc_trim}): at 10M parameters,
 * interleaved runs, the server's PSS was 291 and 305 MiB with it against 346 and 353 without, at the same
 * rounds/s ({@code mps bench transport --params 10000000 --workers 2}, {@code server_pss_mib}). The flag is
 * in JDK 17.0.9+ and 21.0.1+ (experimental there, hence the unlock; a product flag from 17.0.11 and 21.0.3)
 * and 22+; {@code src/scripts/ensure-jdk.sh} asks for such a JDK. Extra options after these (e.g.
 * {@code MPS_JAVA_OPTS}, {@code --server-jvm}) win.
 */
public final class JvmOptions {
    /**
     * gRPC's shaded Netty, on both sides of a TCP connection. {@code allocator.maxOrder=11}: pool chunks of
     * 16 MiB instead of the 2 MiB gRPC picks. A streamed tensor goes out in messages of about 1 MiB, each
     * written into a buffer of that size: half a 2 MiB chunk, so the chunk is freed (destroyed) when the
     * buffer is released and a new one is allocated and zeroed for the next message, every round
     * ({@code ByteBuffer.allocateDirect} and {@code Unsafe.setMemory}: 3.5% of the server's CPU and 2% of a
     * worker's at 1M parameters over TCP in the profile; gone with 16 MiB chunks, which stay in the pool).
     * {@code allocator.numDirectArenas=1}: every arena a thread touches zeroes a whole chunk up front, and
     * with the default four arenas of 16 MiB the 10M-parameter shared-memory server's PSS was 344 MiB against a
     * bound of 348; with one arena it is 310 MiB. The event
     * loops then share one arena, whose lock is rarely contended: small buffers come from per-thread caches.
     * {@code leakDetection.level=disabled}: the default samples one buffer in 128 and records a stack trace
     * for it (1.2–1.7% of the CPU in the same profile); the tests keep Netty's default detector.
     * {@code --add-opens=java.base/java.nio=ALL-UNNAMED} with {@code tryReflectionSetAccessible=true}: Netty
     * then allocates its direct memory itself ({@code Unsafe.allocateMemory}, wrapped without a cleaner)
     * instead of through {@code ByteBuffer.allocateDirect}, which zeroes every byte first. A 10M-parameter
     * TCP round moves 40 MB messages, more than the pool keeps, so chunks come and go every round: zeroing
     * them took 10–15% of a worker's CPU. With both this and two kept gradient buffers (FloatArrayPool), 10M
     * parameters over TCP run at 17–23 rounds/s against 9.4–14 without ({@code mps bench transport --params
     * 10000000 --workers 2 --transport tcp}); at 1M parameters it makes no difference beyond the noise.
     */
    public static final List<String> NETTY = List.of("-Dio.grpc.netty.shaded.io.netty.allocator.maxOrder=11",
            "-Dio.grpc.netty.shaded.io.netty.allocator.numDirectArenas=1",
            "-Dio.grpc.netty.shaded.io.netty.leakDetection.level=disabled",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "-Dio.grpc.netty.shaded.io.netty.tryReflectionSetAccessible=true");

    /** The server's options. */
    public static final List<String> SERVER = concat(List.of("-XX:+UseSerialGC", "-Xms16m", "-XX:MaxNewSize=16m",
            "-XX:MinHeapFreeRatio=5", "-XX:MaxHeapFreeRatio=10", "-D" + ConfigKeys.GC_AFTER_INITIALIZE.name() + "=true",
            "-XX:+UseTransparentHugePages", "-XX:+UnlockExperimentalVMOptions", "-XX:TrimNativeHeapInterval=2000"),
            NETTY);

    /**
     * A worker's options: transparent huge pages for the heap (the kernel here has THP in madvise mode),
     * like the server's. Servers and workers stream model-sized arrays every round, and 2 MiB pages cut
     * the TLB misses of those passes: {@code bench transport --params 1000000 --workers 2}, interleaved
     * pairs, 703 and 638 rounds/s with them against 642 and 573 without, CPU per round 7-9% lower.
     */
    public static final List<String> WORKER = concat(List.of("-XX:+UseTransparentHugePages"), NETTY);

    /** The server's environment additions. */
    public static final Map<String, String> SERVER_ENV = Map.of("MALLOC_ARENA_MAX", "2");

    private JvmOptions() {
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    /**
     * The JVM options for a child process running {@code mps ARGS...}: {@link #SERVER} for a server,
     * {@link #WORKER} for a worker (and a benchmark's worker loop).
     */
    public static List<String> forCommand(List<String> args) {
        if (args.isEmpty()) {
            return List.of();
        }
        return switch (args.get(0)) {
            case "server" -> SERVER;
            case "worker" -> WORKER;
            case "bench" -> args.size() > 1 && args.get(1).equals("worker-loop") ? WORKER : List.of();
            default -> List.of();
        };
    }

    /** The environment additions for a child process running {@code mps ARGS...}. */
    public static Map<String, String> envForCommand(List<String> args) {
        return !args.isEmpty() && args.get(0).equals("server") ? SERVER_ENV : Map.of();
    }

}
