package dev.momentumps.server.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import dev.momentumps.proto.Chunk;
import dev.momentumps.proto.DeregisterReply;
import dev.momentumps.proto.DeregisterRequest;
import dev.momentumps.proto.GradientFrame;
import dev.momentumps.proto.GradientHeader;
import dev.momentumps.proto.InitializeFrame;
import dev.momentumps.proto.InitializeHeader;
import dev.momentumps.proto.InitializeReply;
import dev.momentumps.proto.ModelLayout;
import dev.momentumps.proto.TensorSpec;
import dev.momentumps.proto.PullRequest;
import dev.momentumps.proto.RegisterReply;
import dev.momentumps.proto.RegisterRequest;
import dev.momentumps.proto.WeightsFrame;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.core.RequestBounds;
import dev.momentumps.server.grpc.ParameterServerService;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.TensorCodec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing of the request path: the gRPC service's handlers (frame reading, chunk
 * assembly, validation in the core, admission) fed sequences of registrations with arbitrary ranks and names
 * (past their bound too), Initialize streams with arbitrary layouts and chunks, pushes with arbitrary headers
 * and chunks, pulls and deregistrations built from the fuzzer's bytes, and many concurrent half-open Push
 * streams: opened with a header (or nothing) and left open, fed a frame now and then, cancelled or closed
 * later.
 *
 * <p>Checked after every call: nothing but a gRPC status with a known code comes out (no crash, no
 * INTERNAL), a refused push leaves version and weights exactly as they were, an accepted one advances the
 * version by one, a name over its bound is refused and registers nobody, an Initialize never changes the
 * initialised model, the weights stay finite, the bytes the open streams hold stay within the server's
 * in-flight budget, and a legitimate worker (whose id the fuzzer's requests never name) gets its push
 * applied: the server stays alive, within its memory budget and serving throughout.
 *
 * <p>{@code ./mvnw verify} runs it in fuzzing mode for a bounded time (JAZZER_FUZZ=1 and maxDuration in
 * the server module's surefire setup); without JAZZER_FUZZ it only replays its inputs, one of which
 * ({@code an-accepted-push}) gets a push accepted, so a replay reaches the update path too.
 */
class RequestPathFuzzTest {
    private static final int N = 10;
    /** ids the fuzzer's requests name: -2 … 6 (0 … 6 are registered before it starts) */
    private static final int FUZZED_IDS = 7;
    /**
     * Room for two streams of every id the fuzzer can name and one of the legitimate worker's: however many
     * streams the fuzzer leaves open, the legitimate push is admitted.
     */
    private static final long BUDGET = (2L * FUZZED_IDS + 1) * 4 * N;
    /** at most this many streams left open at once */
    private static final int MAX_OPEN = 64;
    private static final AtomicLong ACCEPTED = new AtomicLong();
    private static final AtomicLong PUSHES = new AtomicLong();
    private static final AtomicLong HALF_OPEN = new AtomicLong();
    private static final AtomicLong MOST_OPEN = new AtomicLong();
    private static final AtomicLong INITIALIZES = new AtomicLong();
    private static final AtomicLong LONG_NAMES = new AtomicLong();
    private static final AtomicLong LEGITIMATE = new AtomicLong();

    /**
     * How deep the fuzzer got: pushes tried and accepted. A run that never got a push accepted never reached
     * the update path, so it fails.
     */
    @AfterAll
    static void reachedAcceptedPushes() {
        System.out.println("fuzz: " + PUSHES.get() + " pushes, " + ACCEPTED.get() + " accepted; " + HALF_OPEN.get()
                + " streams left half-open (at most " + MOST_OPEN.get() + " at once), " + INITIALIZES.get()
                + " initializes, " + LONG_NAMES.get() + " names over their bound, " + LEGITIMATE.get()
                + " legitimate pushes applied");
        assertTrue(ACCEPTED.get() > 0, "the fuzzer tried " + PUSHES.get() + " pushes and none was accepted: "
                + "the update path was never reached");
    }

    /** Collects a unary or streaming reply and its end. */
    private static final class Reply<R> implements StreamObserver<R> {
        final List<R> values = new ArrayList<>();
        Status status;

        @Override
        public void onNext(R value) {
            values.add(value);
        }

        @Override
        public void onError(Throwable t) {
            assertTrue(t instanceof StatusRuntimeException, () -> "not a status: " + t);
            status = ((StatusRuntimeException) t).getStatus();
        }

        @Override
        public void onCompleted() {
            status = Status.OK;
        }
    }

    @FuzzTest(maxDuration = "20s")
    void requestsNeverCrashOrCorruptTheState(FuzzedDataProvider data) {
        OptimizerConfig config = OptimizerConfig.defaults("momentum");
        ParameterServerCore core = new ParameterServerCore(UpdateRules.create(config), UpdateRules.schedule(config),
                1f, new Asynchronous(), 1);
        core.setInflightBytes(BUDGET);
        ParameterServerService service = new ParameterServerService(core, "fuzz", 16, 50);
        int init = core.register(0, "init");
        core.initialize(init, TensorLayout.of("w", N), new float[N]);
        for (int rank = 1; rank < FUZZED_IDS; rank++) {
            core.register(rank, "worker-" + rank);
        }
        int legit = core.register(1000, "legit");
        long legitSequence = 0;
        List<Open> open = new ArrayList<>();
        int ops = data.consumeInt(1, 24);
        for (int op = 0; op < ops && data.remainingBytes() > 0; op++) {
            switch (data.consumeInt(0, 7)) {
                case 0 -> register(core, service, data);
                case 1 -> push(core, service, data);
                case 2 -> {
                    Reply<WeightsFrame> r = new Reply<>();
                    service.pull(PullRequest.newBuilder().setWorkerId(data.consumeInt(-2, 6)).build(), r);
                    known(r.status);
                }
                case 3 -> {
                    Reply<DeregisterReply> r = new Reply<>();
                    service.deregister(DeregisterRequest.newBuilder().setWorkerId(data.consumeInt(-2, 6)).build(), r);
                    known(r.status);
                }
                case 4 -> initialize(core, service, data);
                case 5 -> {
                    // half-open: a header (or nothing at all), then the stream is left open
                    int streams = 1 + data.consumeInt(0, 15);
                    for (int i = 0; i < streams && open.size() < MAX_OPEN; i++) {
                        Open o = new Open();
                        o.in = service.push(o.reply);
                        if (data.consumeInt(0, 7) != 7) {
                            o.in.onNext(GradientFrame.newBuilder().setHeader(GradientHeader.newBuilder()
                                    .setWorkerId(data.consumeInt(-2, 6)).setBaseVersion(core.version())
                                    .setSequence(1000 + data.consumeInt(0, 1000)).setBatchSize(1)).build());
                        }
                        open.add(o);
                        HALF_OPEN.incrementAndGet();
                    }
                    MOST_OPEN.accumulateAndGet(open.size(), Math::max);
                }
                case 6 -> {
                    // an open stream dribbles a frame: a few values at some offset
                    if (!open.isEmpty()) {
                        Open o = open.get(data.consumeInt(0, open.size() - 1));
                        int n = data.consumeInt(0, 3);
                        o.in.onNext(GradientFrame.newBuilder().setChunk(TensorCodec.encode(new float[n], 0, n)
                                .toBuilder().setOffset(data.consumeInt(0, N))).build());
                    }
                }
                default -> {
                    // an open stream is half-closed (answered or refused) or cancelled by its client
                    if (!open.isEmpty()) {
                        Open o = open.remove(data.consumeInt(0, open.size() - 1));
                        long version = core.version();
                        if (data.consumeBoolean()) {
                            o.in.onCompleted();
                            known(o.reply.status);
                            assertEquals(version + (o.reply.status.isOk() ? 1 : 0), core.version());
                            if (o.reply.status.isOk()) {
                                ACCEPTED.incrementAndGet();
                            }
                        } else {
                            o.in.onError(Status.CANCELLED.asRuntimeException());
                            assertEquals(version, core.version(), "a cancelled push changes nothing");
                        }
                    }
                }
            }
            float[] w = core.weights();
            for (float v : w) {
                assertTrue(Float.isFinite(v), "weights went non-finite");
            }
            assertEquals(core.version(), core.status().gradientsApplied(), "async: one update per applied gradient");
            assertTrue(service.inflightBytesHeld() <= service.inflightBudget(), "streams hold "
                    + service.inflightBytesHeld() + " bytes, over the budget of " + service.inflightBudget());
            // the legitimate worker is served whatever the others do
            legitimatePush(core, service, legit, ++legitSequence);
        }
        for (Open o : open) {
            o.in.onError(Status.CANCELLED.asRuntimeException());
        }
        assertEquals(0, service.inflightBytesHeld(), "every stream's grant is released once it ends");
        core.close();
    }

    /** A stream the fuzzer left open. */
    private static final class Open {
        final Reply<WeightsFrame> reply = new Reply<>();
        StreamObserver<GradientFrame> in;
    }

    private static void legitimatePush(ParameterServerCore core, ParameterServerService service, int legit,
                                       long sequence) {
        long version = core.version();
        Reply<WeightsFrame> r = new Reply<>();
        StreamObserver<GradientFrame> in = service.push(r);
        in.onNext(GradientFrame.newBuilder().setHeader(GradientHeader.newBuilder().setWorkerId(legit)
                .setBaseVersion(version).setSequence(sequence).setBatchSize(1)).build());
        in.onNext(GradientFrame.newBuilder().setChunk(TensorCodec.encode(new float[N], 0, N)).build());
        in.onCompleted();
        assertEquals(Status.Code.OK, r.status.getCode(), () -> "the legitimate worker was refused: " + r.status);
        assertEquals(version + 1, core.version(), "the legitimate push is applied");
        LEGITIMATE.incrementAndGet();
    }

    private static void register(ParameterServerCore core, ParameterServerService service, FuzzedDataProvider data) {
        int before = core.status().workers().size();
        // names up to twice their bound, in any characters (multi-byte ones too)
        String name = data.consumeInt(0, 7) == 7
                ? "\u00e9".repeat(data.consumeInt(0, RequestBounds.MAX_NAME_BYTES)) : data.consumeString(8);
        Reply<RegisterReply> r = new Reply<>();
        service.register(RegisterRequest.newBuilder().setRank(data.consumeInt(-2, 3)).setName(name).build(), r);
        known(r.status);
        if (name.getBytes(StandardCharsets.UTF_8).length > RequestBounds.MAX_NAME_BYTES) {
            LONG_NAMES.incrementAndGet();
            assertEquals(Status.Code.INVALID_ARGUMENT, r.status.getCode(), r.status::toString);
            assertEquals(before, core.status().workers().size(), "a refused name registers nobody");
        }
    }

    private static void initialize(ParameterServerCore core, ParameterServerService service, FuzzedDataProvider data) {
        INITIALIZES.incrementAndGet();
        long version = core.version();
        float[] before = core.weights();
        Reply<InitializeReply> r = new Reply<>();
        StreamObserver<InitializeFrame> in = service.initialize(r);
        if (data.consumeInt(0, 7) != 7) {
            ModelLayout.Builder layout = ModelLayout.newBuilder();
            int tensors = data.consumeInt(0, 3);
            for (int t = 0; t < tensors; t++) {
                TensorSpec.Builder spec = TensorSpec.newBuilder().setName(data.consumeString(4));
                int dims = data.consumeInt(0, 3);
                for (int d = 0; d < dims; d++) {
                    // small, zero, negative and huge dimensions (2^31 and beyond)
                    spec.addShape(data.consumeInt(0, 7) == 7 ? data.consumeLong(-1, 1L << 40) : data.consumeInt(0, N));
                }
                layout.addTensors(spec);
            }
            in.onNext(InitializeFrame.newBuilder().setHeader(InitializeHeader.newBuilder()
                    .setWorkerId(data.consumeInt(-2, 6)).setLayout(layout)).build());
        }
        int chunks = data.consumeInt(0, 2);
        for (int c = 0; c < chunks; c++) {
            in.onNext(InitializeFrame.newBuilder().setChunk(Chunk.newBuilder().setOffset(data.consumeLong(-1, N + 1))
                    .setData(ByteString.copyFrom(data.consumeBytes(4 * N + 3)))).build());
        }
        switch (data.consumeInt(0, 2)) {
            case 0 -> in.onCompleted();
            case 1 -> in.onError(Status.CANCELLED.asRuntimeException());
            default -> {
                // left half-open: it holds nothing on an initialised model, and the idle timeout ends it
            }
        }
        if (r.status != null) {
            known(r.status);
        }
        assertEquals(version, core.version(), "an Initialize on an initialised model changes nothing");
        assertArrayEquals(before, core.weights(), "an Initialize on an initialised model changes nothing");
    }

    private static void push(ParameterServerCore core, ParameterServerService service, FuzzedDataProvider data) {
        PUSHES.incrementAndGet();
        long version = core.version();
        float[] before = core.weights();
        Reply<WeightsFrame> r = new Reply<>();
        StreamObserver<GradientFrame> in = service.push(r);
        // rare choices are the non-zero ones: an exhausted provider answers 0 (false), the common case
        if (data.consumeInt(0, 7) != 7) {
            in.onNext(GradientFrame.newBuilder().setHeader(GradientHeader.newBuilder()
                    .setWorkerId(data.consumeInt(-1, 3))
                    .setBaseVersion(version - data.consumeLong(-2, version + 2))
                    .setSequence(40 - data.consumeLong(-1, 40))
                    .setLoss(data.consumeDouble())
                    .setBatchSize(data.consumeInt(-2, 64))
                    .setReturnWeights(data.consumeBoolean())).build());
        }
        int chunks = 1 + data.consumeInt(0, 4);
        int offset = 0;
        for (int c = 0; c < chunks; c++) {
            Chunk chunk;
            if (data.consumeInt(0, 3) != 3) {
                // a well-formed chunk of arbitrary floats at the next offset
                int n = data.consumeInt(0, 3) != 3 ? Math.max(0, N - offset) : data.consumeInt(0, N);
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = switch (data.consumeInt(0, 15)) {
                        case 13 -> Float.NaN;
                        case 14 -> data.consumeBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
                        case 15 -> data.consumeFloat(); // any bit pattern, huge values included
                        default -> data.consumeRegularFloat(-100, 100);
                    };
                }
                chunk = TensorCodec.encode(v, 0, n).toBuilder().setOffset(offset).build();
                offset += n;
            } else {
                chunk = Chunk.newBuilder().setOffset(data.consumeLong(-1, N + 1))
                        .setData(ByteString.copyFrom(data.consumeBytes(4 * N + 3))).build();
            }
            in.onNext(GradientFrame.newBuilder().setChunk(chunk).build());
        }
        if (data.consumeInt(0, 7) != 7) {
            in.onCompleted();
        } else {
            in.onError(Status.CANCELLED.asRuntimeException()); // the client went away mid-stream
            r.status = Status.CANCELLED;
        }
        known(r.status);
        if (r.status.isOk()) {
            ACCEPTED.incrementAndGet();
            assertEquals(version + 1, core.version(), "an accepted push is one update");
        } else {
            assertEquals(version, core.version(), "a refused push changes nothing: " + r.status);
            assertArrayEquals(before, core.weights(), "a refused push changes nothing: " + r.status);
        }
    }

    private static void known(Status s) {
        assertTrue(s != null, "the call never ended");
        assertTrue(s.getCode() != Status.Code.INTERNAL && s.getCode() != Status.Code.UNKNOWN, () -> "unexpected " + s);
    }
}
