package dev.momentumps.server.core;

import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.ShardPlan;
import dev.momentumps.wire.TensorLayout;

/**
 * Which shard of the parameter vector a server process is: shard {@code index} of {@code count}, cut by a
 * {@link ShardPlan} with {@code splitThreshold} (workers must use the same threshold; the command line
 * always uses {@link ShardPlan#DEFAULT_SPLIT_THRESHOLD}). A server that is not sharded is shard 0 of 1.
 */
public record ShardRole(int index, int count, int splitThreshold) {
    /** An unsharded server. */
    public static final ShardRole SINGLE = new ShardRole(0, 1);

    public ShardRole {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("shard index must be in [0, " + count + "), got " + index
                    + " (and the shard count >= 1)");
        }
        if (splitThreshold < 0) {
            throw new IllegalArgumentException("split threshold must be >= 0, got " + splitThreshold);
        }
    }

    public ShardRole(int index, int count) {
        this(index, count, ShardPlan.DEFAULT_SPLIT_THRESHOLD);
    }

    /**
     * Checks that a worker initialises this server with its own part of the model and returns the plan.
     *
     * @param model the whole model's layout as the worker sent it; null when the worker is not sharding
     * @param part  the layout of the tensors the worker sent to this server
     * @throws RequestException FAILED_PRECONDITION when the worker's plan disagrees with this server's
     */
    public ShardPlan check(TensorLayout model, TensorLayout part) {
        if (model == null) {
            if (count > 1) {
                throw new RequestException(RequestException.Reason.FAILED_PRECONDITION, "model_layout: this "
                        + "server is shard " + index + " of " + count + "; start the worker with --servers listing "
                        + "all " + count + " shards in order");
            }
            return new ShardPlan(part, 1);
        }
        ShardPlan plan;
        try {
            plan = new ShardPlan(model, count, splitThreshold);
        } catch (IllegalArgumentException e) {
            throw RequestException.invalid("model_layout: " + e.getMessage());
        }
        TensorLayout mine = plan.shardLayout(index);
        if (!mine.equals(part)) {
            throw new RequestException(RequestException.Reason.FAILED_PRECONDITION, "layout: this server is shard "
                    + index + " of " + count + " and holds " + mine + ", but the worker sent " + part
                    + " (do the worker's --servers and the servers' --shards list the same shards in the same order?)");
        }
        return plan;
    }
}
