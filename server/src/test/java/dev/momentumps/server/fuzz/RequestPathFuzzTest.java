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
import dev.momentumps.proto.PullRequest;
import dev.momentumps.proto.RegisterReply;
import dev.momentumps.proto.RegisterRequest;
import dev.momentumps.proto.WeightsFrame;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.grpc.ParameterServerService;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.TensorCodec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing of the request path: the gRPC service's handlers (frame reading, chunk
 * assembly, validation in the core) fed sequences of registrations, pushes with arbitrary headers and
 * chunks, pulls and deregistrations built from the fuzzer's bytes.
 *
 * <p>Checked after every call: nothing but a gRPC status with a known code comes out (no crash, no
 * INTERNAL), a refused push leaves version and weights exactly as they were, an accepted one advances the
 * version by one, and the weights stay finite.
 *
 * <p>{@code ./mvnw verify} runs it in fuzzing mode for a bounded time (JAZZER_FUZZ=1 and maxDuration in
 * the server module's surefire setup); without JAZZER_FUZZ it only replays its inputs, one of which
 * ({@code an-accepted-push}) gets a push accepted, so a replay reaches the update path too.
 */
class RequestPathFuzzTest {
    private static final int N = 10;
    private static final AtomicLong ACCEPTED = new AtomicLong();
    private static final AtomicLong PUSHES = new AtomicLong();

    /**
     * How deep the fuzzer got: pushes tried and accepted. A run that never got a push accepted never reached
     * the update path, so it fails.
     */
    @AfterAll
    static void reachedAcceptedPushes() {
        System.out.println("fuzz: " + PUSHES.get() + " pushes, " + ACCEPTED.get() + " accepted");
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
        ParameterServerService service = new ParameterServerService(core, "fuzz", 16, 50);
        int init = core.register(0, "init");
        core.initialize(init, TensorLayout.of("w", N), new float[N]);
        int ops = data.consumeInt(1, 24);
        for (int op = 0; op < ops && data.remainingBytes() > 0; op++) {
            switch (data.consumeInt(0, 3)) {
                case 0 -> {
                    Reply<RegisterReply> r = new Reply<>();
                    service.register(RegisterRequest.newBuilder().setRank(data.consumeInt(-2, 3))
                            .setName(data.consumeString(8)).build(), r);
                    known(r.status);
                }
                case 1 -> push(core, service, data);
                case 2 -> {
                    Reply<WeightsFrame> r = new Reply<>();
                    service.pull(PullRequest.newBuilder().setWorkerId(data.consumeInt(-2, 6)).build(), r);
                    known(r.status);
                }
                default -> {
                    Reply<DeregisterReply> r = new Reply<>();
                    service.deregister(DeregisterRequest.newBuilder().setWorkerId(data.consumeInt(-2, 6)).build(), r);
                    known(r.status);
                }
            }
            float[] w = core.weights();
            for (float v : w) {
                assertTrue(Float.isFinite(v), "weights went non-finite");
            }
            assertEquals(core.version(), core.status().gradientsApplied(), "async: one update per applied gradient");
        }
        core.close();
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
