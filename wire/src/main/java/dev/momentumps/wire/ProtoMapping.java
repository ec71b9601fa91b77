package dev.momentumps.wire;

import dev.momentumps.proto.ConsistencyMode;
import dev.momentumps.proto.ModelLayout;
import dev.momentumps.proto.StatusReply;
import dev.momentumps.proto.TensorSpec;
import dev.momentumps.proto.WorkerStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * The domain types to and from their wire form, in one place for both sides: the server writes with
 * {@code toProto}, the client reads with {@code fromProto}, so a field added to one direction is added to
 * the other here.
 */
public final class ProtoMapping {
    private ProtoMapping() {
    }

    public static ModelLayout toProto(TensorLayout layout) {
        ModelLayout.Builder b = ModelLayout.newBuilder();
        for (TensorLayout.Tensor t : layout.tensors()) {
            TensorSpec.Builder s = TensorSpec.newBuilder().setName(t.name());
            for (long d : t.shape()) {
                s.addShape(d);
            }
            b.addTensors(s);
        }
        return b.build();
    }

    /** @throws RequestException INVALID_ARGUMENT naming the bad tensor */
    public static TensorLayout fromProto(ModelLayout proto) {
        try {
            TensorLayout.Builder b = TensorLayout.builder();
            for (TensorSpec s : proto.getTensorsList()) {
                long[] shape = new long[s.getShapeCount()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = s.getShape(i);
                }
                b.add(s.getName(), shape);
            }
            return b.build();
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new RequestException(RequestException.Reason.INVALID_ARGUMENT, "layout: " + e.getMessage());
        }
    }

    public static ConsistencyMode toProto(ConsistencyKind kind) {
        return switch (kind) {
            case ASYNCHRONOUS -> ConsistencyMode.ASYNCHRONOUS;
            case SYNCHRONOUS -> ConsistencyMode.SYNCHRONOUS;
            case STALE_SYNCHRONOUS -> ConsistencyMode.STALE_SYNCHRONOUS;
            case BACKUP_WORKERS -> ConsistencyMode.BACKUP_WORKERS;
        };
    }

    /** A mode this side does not know (a newer server's) reads as asynchronous, the proto's default. */
    public static ConsistencyKind fromProto(ConsistencyMode mode) {
        return switch (mode) {
            case SYNCHRONOUS -> ConsistencyKind.SYNCHRONOUS;
            case STALE_SYNCHRONOUS -> ConsistencyKind.STALE_SYNCHRONOUS;
            case BACKUP_WORKERS -> ConsistencyKind.BACKUP_WORKERS;
            default -> ConsistencyKind.ASYNCHRONOUS;
        };
    }

    /** The bytes of workers one status reply lists at most (far under gRPC clients' default 4 MiB). */
    public static final int STATUS_PAGE_BYTES = 1 << 20;

    /** The whole status in one reply, every worker listed (for tests and in-process use; a server pages). */
    public static StatusReply toProto(ServerStatus s) {
        return statusPage(s, 0, Integer.MAX_VALUE);
    }

    /**
     * One page of a status reply: the counters, and the workers from {@code firstWorker} on, as many as fit
     * {@code maxWorkerBytes} (at least one, when any is left); {@code workers_total} tells the client how many
     * there are in all.
     */
    public static StatusReply statusPage(ServerStatus s, int firstWorker, int maxWorkerBytes) {
        if (firstWorker < 0) {
            throw RequestException.invalid("first_worker must be >= 0, got " + firstWorker);
        }
        StatusReply.Builder b = StatusReply.newBuilder()
                .setVersion(s.version())
                .setGradientsApplied(s.gradientsApplied())
                .setGradientsDropped(s.gradientsDropped())
                .setInitialized(s.initialized())
                .setMode(toProto(s.mode()))
                .setStalenessBound(s.stalenessBound())
                .setUpdateRule(s.updateRule())
                .setNumElements(s.numElements())
                .setMeanStaleness(s.staleness().mean())
                .setMaxStaleness(s.staleness().max())
                .setRecentLoss(s.recentLoss())
                .putAllPushesByPath(s.pushesByPath());
        for (long c : s.staleness().histogram()) {
            b.addStalenessHistogram(c);
        }
        List<ServerStatus.Worker> all = s.workers();
        b.setWorkersTotal(all.size()).setFirstWorker(firstWorker);
        long bytes = 0;
        for (int i = firstWorker; i < all.size(); i++) {
            WorkerStatus ws = toProto(all.get(i));
            bytes += ws.getSerializedSize() + 4; // the field's tag and length
            if (bytes > maxWorkerBytes && i > firstWorker) {
                break;
            }
            b.addWorkers(ws);
        }
        return b.build();
    }

    private static WorkerStatus toProto(ServerStatus.Worker w) {
        WorkerStatus.Builder ws = WorkerStatus.newBuilder().setWorkerId(w.id()).setRank(w.rank())
                .setName(w.name()).setPushes(w.pushes()).setAlive(w.alive()).setMeanStaleness(w.meanStaleness())
                .setMaxStaleness(w.maxStaleness());
        for (long count : w.stalenessHistogram()) {
            ws.addStalenessHistogram(count);
        }
        return ws.build();
    }

    /**
     * The whole status from its pages: {@code page} asks the server for the reply from a first worker on;
     * pages are fetched until every worker is listed (a server that does not page lists them all at once).
     * The counters are the first page's; the workers of later pages are as recent as their page.
     */
    public static ServerStatus statusFromPages(java.util.function.IntFunction<StatusReply> page) {
        StatusReply first = page.apply(0);
        ServerStatus s = fromProto(first);
        if (first.getWorkersCount() >= first.getWorkersTotal()) {
            return s;
        }
        List<ServerStatus.Worker> workers = new ArrayList<>(s.workers());
        while (workers.size() < first.getWorkersTotal()) {
            StatusReply next = page.apply(workers.size());
            if (next.getWorkersCount() == 0) {
                break; // workers are never removed, so this is a server that lists none from here
            }
            workers.addAll(fromProto(next).workers());
        }
        return s.withWorkers(workers);
    }

    /**
     * The status reply as the core's record; the staleness counts are rebuilt from the histogram, with the
     * reply's exact mean and max (a server's histogram ends in a bucket that holds its tail).
     */
    public static ServerStatus fromProto(StatusReply r) {
        List<ServerStatus.Worker> workers = new ArrayList<>();
        for (WorkerStatus w : r.getWorkersList()) {
            long[] workerHist = new long[w.getStalenessHistogramCount()];
            for (int k = 0; k < workerHist.length; k++) {
                workerHist[k] = w.getStalenessHistogram(k);
            }
            workers.add(new ServerStatus.Worker(w.getWorkerId(), w.getRank(), w.getName(), w.getPushes(),
                    w.getAlive(), w.getMeanStaleness(), w.getMaxStaleness(), workerHist));
        }
        long[] hist = new long[r.getStalenessHistogramCount()];
        for (int i = 0; i < hist.length; i++) {
            hist[i] = r.getStalenessHistogram(i);
        }
        return new ServerStatus(r.getVersion(), r.getGradientsApplied(), r.getGradientsDropped(), r.getInitialized(),
                fromProto(r.getMode()), r.getStalenessBound(), r.getUpdateRule(), (int) r.getNumElements(),
                List.copyOf(workers), StalenessStats.fromHistogram(hist, r.getMeanStaleness(), r.getMaxStaleness()),
                r.getRecentLoss(),
                r.getPushesByPathMap());
    }
}
