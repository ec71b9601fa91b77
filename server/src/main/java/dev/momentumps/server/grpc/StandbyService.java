package dev.momentumps.server.grpc;

import com.google.protobuf.ByteString;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.ReplicaHello;
import dev.momentumps.proto.ReplicaPush;
import dev.momentumps.proto.ReplicationAck;
import dev.momentumps.proto.ReplicationFrame;
import dev.momentumps.proto.StandbyGrpc;
import dev.momentumps.server.checkpoint.CheckpointFormat;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.PullTarget;
import dev.momentumps.wire.ProtoMapping;
import dev.momentumps.wire.codec.TensorCodec;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The standby's side of a hot standby ({@code mps server --as-standby}): one primary attaches over
 * {@code Standby/Replicate} and sends its operations in order; each is applied through this server's own
 * core (the same checks, the same update rule, the same consistency model and compensation, so the same
 * state bit for bit) and acknowledged by its index. Until then the standby refuses workers
 * ({@link #gate()}: UNAVAILABLE). When the primary's stream ends (the primary died or stopped) the core
 * {@link ParameterServerCore#takeOver takes over} and serves workers; no primary may attach again.
 *
 * <p>An operation the standby's core refuses means the two servers disagree (they were started with
 * different options the hello does not show); the standby then ends the stream with the reason and refuses
 * to take over, since its state is not the primary's.
 */
public final class StandbyService extends StandbyGrpc.StandbyImplBase {
    /** Where the standby is in its life. */
    public enum State { WAITING, ATTACHED, SERVING, DIVERGED }

    private final ParameterServerCore core;
    private final Consumer<String> log;
    private volatile State state = State.WAITING;
    private volatile String why = "";
    private volatile Runnable onServing = () -> { };

    public StandbyService(ParameterServerCore core, Consumer<String> log) {
        this.core = core;
        this.log = log;
        core.setStandby(true);
    }

    public State state() {
        return state;
    }

    /**
     * Runs {@code action} once, when this standby takes over and serves workers (after the takeover is
     * logged), on the thread that saw the primary go: what a primary does that a standby must not, such as
     * writing checkpoints, starts there.
     */
    public StandbyService onServing(Runnable action) {
        this.onServing = action;
        return this;
    }

    /** Refuses every worker RPC until the standby serves (after its primary is gone). */
    public ServerInterceptor gate() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                State s = state;
                if (s != State.SERVING && call.getMethodDescriptor().getServiceName() != null
                        && call.getMethodDescriptor().getServiceName().equals(ParameterServerGrpc.SERVICE_NAME)) {
                    call.close(Status.UNAVAILABLE.withDescription(s == State.DIVERGED
                            ? "this hot standby diverged from its primary (" + why + ") and does not serve workers"
                            : "this server is a hot standby; it serves workers once its primary is gone"),
                            new Metadata());
                    return new ServerCall.Listener<>() {
                    };
                }
                return next.startCall(call, headers);
            }
        };
    }

    @Override
    public StreamObserver<ReplicationFrame> replicate(StreamObserver<ReplicationAck> out) {
        synchronized (this) {
            if (state != State.WAITING) {
                out.onError(Status.FAILED_PRECONDITION.withDescription("this standby is " + state.name()
                        .toLowerCase(java.util.Locale.ROOT) + ": a primary attaches once, before any other")
                        .asRuntimeException());
                return new Ignore();
            }
            state = State.ATTACHED;
        }
        return new StreamObserver<>() {
            private ReplicationFrame first;
            private ByteString.Output values;
            private ByteString.Output rows;
            private boolean ended;

            @Override
            public void onNext(ReplicationFrame f) {
                if (ended) {
                    return;
                }
                try {
                    if (first == null) {
                        first = f;
                        values = ByteString.newOutput(f.getValues().size());
                        rows = ByteString.newOutput(f.getRows().size());
                    }
                    f.getValues().writeTo(values);
                    f.getRows().writeTo(rows);
                    if (f.getMore()) {
                        return;
                    }
                    ReplicationFrame op = first;
                    first = null;
                    apply(op, values.toByteString(), rows.toByteString());
                    out.onNext(ReplicationAck.newBuilder().setIndex(op.getIndex()).build());
                } catch (RuntimeException | java.io.IOException e) {
                    ended = true;
                    if (f.hasHello()) {
                        state = State.WAITING; // nothing was applied: another primary may try
                        log.accept("hot standby: refused a primary: " + e.getMessage());
                        out.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException());
                        return;
                    }
                    diverged(String.valueOf(e.getMessage()));
                    out.onError(Status.FAILED_PRECONDITION.withDescription(why).asRuntimeException());
                }
            }

            @Override
            public void onError(Throwable t) {
                primaryGone(Status.fromThrowable(t).getCode().toString());
            }

            @Override
            public void onCompleted() {
                primaryGone("the primary ended the stream");
                if (!ended) {
                    out.onCompleted();
                }
            }
        };
    }

    private void diverged(String reason) {
        why = reason;
        state = State.DIVERGED;
        log.accept("hot standby: refused the primary's operation: " + reason + "; this standby will not serve");
    }

    private void primaryGone(String reason) {
        synchronized (this) {
            if (state != State.ATTACHED) {
                return;
            }
            core.takeOver();
            state = State.SERVING;
        }
        log.accept("hot standby: the primary is gone (" + reason + "); serving workers from version "
                + core.version());
        onServing.run();
    }

    /** Applies one whole operation through the core. */
    private void apply(ReplicationFrame op, ByteString values, ByteString rows) throws java.io.IOException {
        switch (op.getOpCase()) {
            case HELLO -> checkHello(op.getHello());
            case REGISTER -> {
                int id = core.register(op.getRegister().getRank(), op.getRegister().getName());
                if (id != op.getRegister().getWorkerId()) {
                    throw new IllegalStateException("register: the primary gave rank " + op.getRegister().getRank()
                            + " worker id " + op.getRegister().getWorkerId() + ", this standby " + id);
                }
            }
            case DEREGISTER -> core.deregister(op.getDeregister().getWorkerId());
            case INITIALIZE -> core.initialize(op.getInitialize().getWorkerId(),
                    ProtoMapping.fromProto(op.getInitialize().getLayout()), floats(values), true);
            case PUSH -> {
                ReplicaPush p = op.getPush();
                String path = p.getPath().isEmpty() ? null : p.getPath();
                if (p.getSparse()) {
                    core.pushSparse(p.getWorkerId(), p.getBaseVersion(), p.getSequence(), ints(rows), floats(values),
                            p.getLoss(), p.getBatchSize(), path);
                } else {
                    core.push(p.getWorkerId(), p.getBaseVersion(), p.getSequence(),
                            dev.momentumps.server.core.GradientSource.of(floats(values), false).via(path), p.getLoss(),
                            p.getBatchSize());
                }
            }
            case PULL -> {
                int id = op.getPull().getWorkerId();
                if (rows.isEmpty()) {
                    core.pull(id, PullTarget.into(new float[core.layout().numElements()]));
                } else {
                    int[] r = ints(rows);
                    core.pullRows(id, r, r.length, new float[r.length]);
                }
            }
            case SNAPSHOT -> core.restore(CheckpointFormat.decode(values.toByteArray(), Path.of("(from the primary)")));
            default -> throw new IllegalStateException("unknown operation " + op.getOpCase());
        }
    }

    private void checkHello(ReplicaHello h) {
        ReplicaHello mine = StandbyLink.hello(core);
        if (!mine.equals(h)) {
            throw new IllegalStateException("the standby runs " + describe(mine) + ", the primary " + describe(h)
                    + " (start both with the same options)");
        }
    }

    private static String describe(ReplicaHello h) {
        return h.getUpdateRule() + ", " + h.getMode() + " (bound " + h.getStalenessBound() + "), --non-finite "
                + h.getNonFinite();
    }

    private static float[] floats(ByteString b) {
        float[] out = new float[TensorCodec.count(b)];
        TensorCodec.decode(b, out, 0);
        return out;
    }

    private static int[] ints(ByteString b) {
        java.nio.IntBuffer ib = b.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
        int[] out = new int[ib.remaining()];
        ib.get(out);
        return out;
    }

    private static final class Ignore implements StreamObserver<ReplicationFrame> {
        @Override
        public void onNext(ReplicationFrame value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
