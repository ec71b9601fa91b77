package dev.momentumps.cli.options;

import dev.momentumps.server.core.ShardRole;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * A server's place among the shards: its index and the list of every shard's address. Each flag falls back
 * to an environment variable, so a scheduler (a Kubernetes StatefulSet, a batch system) can configure the
 * server without building a command line.
 */
public final class ShardOptions {
    /** Environment variables the flags fall back to. */
    public static final String ENV_INDEX = "MPS_SHARD_INDEX";
    public static final String ENV_SHARDS = "MPS_SHARDS";

    @Option(names = "--shard-index", paramLabel = "I", defaultValue = "${env:MPS_SHARD_INDEX:-0}",
            description = "This server's shard index in [0, number of --shards). Env MPS_SHARD_INDEX. Default: 0.")
    public int index;

    @Option(names = "--shards", paramLabel = "HOST:PORT", split = ",", defaultValue = "${env:MPS_SHARDS:-}",
            description = "Every shard's address, in shard order (workers pass the same list as --servers); "
                    + "empty: not sharded. Env MPS_SHARDS.")
    public List<String> shards = new ArrayList<>();

    @Option(names = "--clip-per-shard", defaultValue = "${env:MPS_CLIP_PER_SHARD:-false}",
            description = "With --shards and --clip-norm C: let each shard clip its own part of the gradient to C "
                    + "(the whole gradient's norm is then at most sqrt(S)·C, not C). Without it, sharded servers "
                    + "refuse --clip-norm. Env MPS_CLIP_PER_SHARD.")
    public boolean clipPerShard;

    /** The shard addresses given, without empty entries. */
    public List<String> addresses() {
        List<String> out = new ArrayList<>();
        for (String s : shards) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    /**
     * This server's role.
     *
     * @param clipNorm the server's --clip-norm, refused when sharded unless {@code --clip-per-shard}
     * @throws IllegalArgumentException naming the flag
     */
    public ShardRole role(double clipNorm) {
        List<String> a = addresses();
        if (a.isEmpty()) {
            if (index != 0) {
                throw new IllegalArgumentException("--shard-index " + index + " needs --shards (every shard's address)");
            }
            return ShardRole.SINGLE;
        }
        if (index < 0 || index >= a.size()) {
            throw new IllegalArgumentException("--shard-index must be in [0, " + a.size() + ") for the "
                    + a.size() + " --shards given, got " + index);
        }
        if (a.size() > 1 && clipNorm > 0 && !clipPerShard) {
            throw new IllegalArgumentException("--clip-norm clips by the global norm, but each of the " + a.size()
                    + " shards sees only its part of the gradient; pass --clip-per-shard to clip each part to "
                    + clipNorm + " (a global bound of sqrt(" + a.size() + ")·" + clipNorm + "), or drop --clip-norm");
        }
        return new ShardRole(index, a.size());
    }

    /** What this server reports as its address in the shard map: its entry in --shards, if sharded. */
    public String advertised(String fallback) {
        List<String> a = addresses();
        return a.isEmpty() ? fallback : a.get(index);
    }
}
