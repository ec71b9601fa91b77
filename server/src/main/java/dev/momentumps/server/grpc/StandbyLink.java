package dev.momentumps.server.grpc;

import com.google.protobuf.ByteString;
import dev.momentumps.proto.ReplicaDeregister;
import dev.momentumps.proto.ReplicaHello;
import dev.momentumps.proto.ReplicaInitialize;
import dev.momentumps.proto.ReplicaPull;
import dev.momentumps.proto.ReplicaPush;
import dev.momentumps.proto.ReplicaRegister;
import dev.momentumps.proto.ReplicaSnapshot;
import dev.momentumps.proto.ReplicationAck;
import dev.momentumps.proto.ReplicationFrame;
import dev.momentumps.proto.StandbyGrpc;
import dev.momentumps.server.checkpoint.CheckpointFormat;
import dev.momentumps.server.core.CoreSnapshot;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.Replication;
import dev.momentumps.wire.ProtoMapping;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.TensorCodec;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The primary's side of a hot standby ({@code mps server --standby HOST:PORT}): the core reports every
 * operation to it ({@link Replication}), in order; a sender thread encodes each (its float32 values cut into
 * frames of about a chunk) onto one {@code Standby/Replicate} stream; the standby acknowledges each index
 * once applied, and {@link #awaitReplicated} holds a worker's answer until everything before it is
 * acknowledged.
 *
 * <p>Attaching ({@link #attach}) sends the primary's settings (the standby refuses different ones) and,
 * when the primary already has a model (a resumed run), its whole state as a checkpoint; a standby that
 * does not answer within the timeout is an error naming {@code --standby}.
 *
 * <p>When the standby is lost mid-run (the stream fails, or an acknowledgement takes longer than the
 * timeout) the primary goes on without it: it reports the loss once ({@link #lostReason()}, and the log),
 * records nothing more, and acknowledges workers at once, so training continues, unreplicated.
 */
public final class StandbyLink implements Replication, AutoCloseable {
    private final String address;
    private final long timeoutMillis;
    private final int chunkBytes;
    private final Consumer<String> log;
    private final ArrayDeque<Op> queue = new ArrayDeque<>();
    private final Thread sender;
    private StreamObserver<ReplicationFrame> requests;
    private long recorded;
    private long acked = -1;
    private String lost;
    private boolean closed;
    private boolean attached;

    private record Op(long index, ReplicationFrame.Builder frame, float[] values, int[] rows, int nRows,
                      byte[] bytes) {
    }

    private StandbyLink(String address, long timeoutMillis, int chunkBytes, Consumer<String> log) {
        this.address = address;
        this.timeoutMillis = timeoutMillis;
        this.chunkBytes = chunkBytes;
        this.log = log;
        this.sender = new Thread(this::sendLoop, "mps-standby-link");
        this.sender.setDaemon(true);
    }

    /**
     * Attaches {@code core} to the standby on {@code channel}: the standby must answer the hello (and take the
     * snapshot of an initialised core) within {@code timeoutMillis}; from then on the core reports to it.
     * Call before the server takes calls.
     *
     * @throws IllegalStateException naming {@code --standby} and the address when the standby is unreachable or
     *                               refuses (other settings, or another primary attached already)
     */
    public static StandbyLink attach(Channel channel, String address, ParameterServerCore core, long timeoutMillis,
                                     int chunkBytes, Consumer<String> log) throws InterruptedException {
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("standby timeout must be >= 1 ms, got " + timeoutMillis);
        }
        StandbyLink link = new StandbyLink(address, timeoutMillis, chunkBytes, log);
        link.requests = StandbyGrpc.newStub(channel).replicate(link.new Acks());
        link.requests.onNext(ReplicationFrame.newBuilder().setIndex(0).setHello(hello(core)).build());
        CoreSnapshot snap = core.snapshot();
        if (snap != null) {
            byte[] bytes;
            try {
                bytes = CheckpointFormat.encode(snap);
            } catch (IOException e) {
                throw new IllegalStateException("--standby " + address + ": cannot encode the state: " + e, e);
            }
            link.enqueue(ReplicationFrame.newBuilder().setSnapshot(ReplicaSnapshot.getDefaultInstance()), null, null,
                    0, bytes);
        }
        link.sender.start();
        synchronized (link) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (link.acked < link.recorded && link.lost == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    link.lost = "no answer within " + timeoutMillis + " ms";
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(link, left);
            }
            if (link.lost != null) {
                link.close();
                throw new IllegalStateException("--standby " + address + ": the standby did not attach: " + link.lost);
            }
        }
        synchronized (link) {
            link.attached = true;
        }
        core.setReplication(link);
        log.accept("replicating to the hot standby at " + address + " (a worker's update is acknowledged once the "
                + "standby has it)");
        return link;
    }

    /**
     * A failed stream's status as one line: its code, the first line of its description, and the innermost
     * cause (a TLS handshake's says which certificate was refused, where gRPC's description says "io exception").
     */
    static String reason(Status s) {
        StringBuilder b = new StringBuilder(s.getCode().toString());
        if (s.getDescription() != null) {
            b.append(": ").append(s.getDescription().lines().findFirst().orElse(""));
        }
        Throwable root = s.getCause();
        while (root != null && root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != null && root.getMessage() != null) {
            b.append(" (").append(root.getClass().getSimpleName()).append(": ")
                    .append(root.getMessage().lines().findFirst().orElse("")).append(')');
        }
        return b.toString();
    }

    /** The settings the standby must share (checked by it on attach). */
    static ReplicaHello hello(ParameterServerCore core) {
        return ReplicaHello.newBuilder().setUpdateRule(core.optimizer())
                .setMode(ProtoMapping.toProto(core.consistency().kind()))
                .setStalenessBound(core.consistency().stalenessBound())
                .setNonFinite(core.nonFinitePolicy().cliName()).build();
    }

    /** Why the standby was lost, or null while it is attached. */
    public synchronized String lostReason() {
        return lost;
    }

    /** The index of the last operation the standby acknowledged. */
    public synchronized long acknowledged() {
        return acked;
    }

    @Override
    public void registered(int workerId, int rank, String name) {
        enqueue(ReplicationFrame.newBuilder().setRegister(ReplicaRegister.newBuilder().setRank(rank)
                .setName(name == null ? "" : name).setWorkerId(workerId)), null, null, 0, null);
    }

    @Override
    public void deregistered(int workerId) {
        enqueue(ReplicationFrame.newBuilder().setDeregister(ReplicaDeregister.newBuilder().setWorkerId(workerId)),
                null, null, 0, null);
    }

    @Override
    public void initialized(int workerId, TensorLayout layout, float[] weights) {
        enqueue(ReplicationFrame.newBuilder().setInitialize(ReplicaInitialize.newBuilder().setWorkerId(workerId)
                .setLayout(ProtoMapping.toProto(layout))), weights.clone(), null, 0, null);
    }

    @Override
    public void pushed(int workerId, long baseVersion, long sequence, float[] gradient, double loss, int batchSize,
                       String path) {
        enqueue(ReplicationFrame.newBuilder().setPush(push(workerId, baseVersion, sequence, loss, batchSize, path)),
                gradient.clone(), null, 0, null);
    }

    @Override
    public void pushedSparse(int workerId, long baseVersion, long sequence, int[] rows, float[] values, double loss,
                             int batchSize, String path) {
        enqueue(ReplicationFrame.newBuilder().setPush(push(workerId, baseVersion, sequence, loss, batchSize, path)
                .setSparse(true)), values.clone(), rows.clone(), rows.length, null);
    }

    @Override
    public void pulled(int workerId, int[] rows, int n) {
        enqueue(ReplicationFrame.newBuilder().setPull(ReplicaPull.newBuilder().setWorkerId(workerId)), null,
                rows == null ? null : java.util.Arrays.copyOf(rows, n), n, null);
    }

    private static ReplicaPush.Builder push(int workerId, long baseVersion, long sequence, double loss, int batchSize,
                                            String path) {
        return ReplicaPush.newBuilder().setWorkerId(workerId).setBaseVersion(baseVersion).setSequence(sequence)
                .setLoss(loss).setBatchSize(batchSize).setPath(path == null ? "" : path);
    }

    private synchronized void enqueue(ReplicationFrame.Builder frame, float[] values, int[] rows, int nRows,
                                      byte[] bytes) {
        if (lost != null || closed) {
            return;
        }
        queue.add(new Op(++recorded, frame, values, rows, nRows, bytes));
        notifyAll();
    }

    @Override
    public void awaitReplicated() throws InterruptedException {
        synchronized (this) {
            long target = recorded;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (acked < target && lost == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    lose("operation " + target + " was not acknowledged within " + timeoutMillis + " ms");
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    /** Reports the loss once; from then on nothing is recorded and nothing waits. Called with the lock held. */
    private void lose(String why) {
        if (lost != null || closed) {
            return;
        }
        lost = why;
        queue.clear();
        notifyAll();
        if (attached) {
            log.accept("the hot standby at " + address + " is lost (" + why + "): going on WITHOUT a standby; "
                    + "updates acknowledged from now on are not replicated");
        }
        sender.interrupt();
    }

    private void sendLoop() {
        try {
            while (true) {
                Op op;
                synchronized (this) {
                    while (queue.isEmpty() && lost == null && !closed) {
                        wait();
                    }
                    if (lost != null || closed) {
                        return;
                    }
                    op = queue.poll();
                }
                send(op);
            }
        } catch (InterruptedException e) {
            // lost or closed
        } catch (RuntimeException e) {
            synchronized (this) {
                lose("cannot send: " + e);
            }
        }
    }

    /** One op as frames: the op and its first slice of values and rows, then continuation frames. */
    private void send(Op op) {
        int per = Math.max(1, TensorCodec.elementsPerChunk(chunkBytes) / (op.rows == null ? 1 : 2));
        int nValues = op.values != null ? op.values.length : 0;
        int nRows = op.rows != null ? op.nRows : 0;
        int nBytes = op.bytes != null ? op.bytes.length : 0;
        int total = Math.max(Math.max(nValues, nRows), (nBytes + 3) / 4);
        int from = 0;
        ReplicationFrame.Builder f = op.frame.setIndex(op.index);
        do {
            int count = Math.min(per, total - from);
            if (op.values != null && from < nValues) {
                f.setValues(TensorCodec.encodeBytes(op.values, from, Math.min(count, nValues - from)));
            }
            if (op.rows != null && from < nRows) {
                f.setRows(ints(op.rows, from, Math.min(count, nRows - from)));
            }
            if (op.bytes != null) {
                int b = 4 * from;
                f.setValues(ByteString.copyFrom(op.bytes, b, Math.min(4 * count, nBytes - b)));
            }
            from += count;
            f.setMore(from < total);
            requests.onNext(f.build());
            f = ReplicationFrame.newBuilder().setIndex(op.index);
        } while (from < total);
    }

    private static ByteString ints(int[] rows, int from, int count) {
        ByteBuffer b = ByteBuffer.allocate(4 * count).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            b.putInt(rows[from + i]);
        }
        b.flip();
        return ByteString.copyFrom(b);
    }

    /** Ends the stream (the standby then takes over, which is what a primary that stops for good wants). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
        }
        sender.interrupt();
        try {
            sender.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            requests.onCompleted();
        } catch (RuntimeException alreadyEnded) {
            // the stream failed before
        }
    }

    private final class Acks implements StreamObserver<ReplicationAck> {
        @Override
        public void onNext(ReplicationAck ack) {
            synchronized (StandbyLink.this) {
                acked = Math.max(acked, ack.getIndex());
                StandbyLink.this.notifyAll();
            }
        }

        @Override
        public void onError(Throwable t) {
            synchronized (StandbyLink.this) {
                lose(reason(Status.fromThrowable(t)));
            }
        }

        @Override
        public void onCompleted() {
            synchronized (StandbyLink.this) {
                lose("the standby ended the stream");
            }
        }
    }
}
