package dev.momentumps.server.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.proto.InitializeFrame;
import dev.momentumps.proto.InitializeHeader;
import dev.momentumps.proto.ParameterServerGrpc;
import dev.momentumps.proto.RegisterReply;
import dev.momentumps.proto.RegisterRequest;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.consistency.Synchronous;
import dev.momentumps.server.consistency.ConsistencyModel;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.HeavyBallMomentum;
import dev.momentumps.wire.ProtoMapping;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.TensorCodec;
import dev.momentumps.wire.socket.PayloadFrames;
import dev.momentumps.wire.socket.TimedChannel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The payload socket's refusals and its shutdown, on raw sockets: a wrong secret, a bad header (answered
 * before any value is read, so nothing model-sized is allocated for it), a socket that ends inside a push
 * (the state is unchanged and the sequence number unused), and a server that stops with sockets open and a
 * push waiting for its synchronous round.
 */
class PayloadSocketsTest {
    private static final int N = 1000;
    private static final long DEADLINE = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    private ServerHost host;
    private ManagedChannel channel;
    private ParameterServerCore core;
    private float[] w0;

    private void start(ConsistencyModel mode) throws Exception {
        core = new ParameterServerCore(new HeavyBallMomentum(0.1f, 0.9f, 0, false), t -> 0.1f, 0, mode, 1);
        String name = InProcessServerBuilder.generateName();
        host = new ServerHost(InProcessServerBuilder.forName(name), core, name, TensorCodec.DEFAULT_CHUNK_BYTES, 5_000)
                .payloadPort(new InetSocketAddress("127.0.0.1", 0)).start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (host != null) {
            host.stop(1_000);
        }
    }

    /** Registers rank {@code rank}; worker 0 initialises the model. */
    private RegisterReply register(int rank) throws Exception {
        RegisterReply r = ParameterServerGrpc.newBlockingStub(channel).register(RegisterRequest.newBuilder()
                .setRank(rank).setName("w" + rank).build());
        assertTrue(r.hasPayloadSocket(), "the server offers its payload socket");
        if (rank == 0) {
            w0 = new float[N];
            for (int i = 0; i < N; i++) {
                w0[i] = 0.01f * i;
            }
            Status status = RawStreams.initialize(channel, 10, java.util.List.of(InitializeFrame.newBuilder()
                    .setHeader(InitializeHeader.newBuilder().setWorkerId(r.getWorkerId())
                            .setLayout(ProtoMapping.toProto(TensorLayout.builder().add("w", N).build()))).build(),
                    InitializeFrame.newBuilder().setChunk(TensorCodec.encode(w0, 0, N)).build()));
            assertTrue(status.isOk(), status.toString());
        }
        return r;
    }

    private TimedChannel connect(RegisterReply r) throws IOException {
        return TimedChannel.connect(new InetSocketAddress("127.0.0.1", r.getPayloadSocket().getPort()), 5_000);
    }

    private static void hello(TimedChannel c, int workerId, byte[] secret) throws IOException {
        ByteBuffer b = PayloadFrames.direct(PayloadFrames.HELLO_BYTES);
        b.putInt(PayloadFrames.MAGIC).putInt(PayloadFrames.VERSION).putInt(workerId).put(secret).flip();
        c.writeFully(b, DEADLINE);
    }

    /** The status and flags of the next reply, its message in {@code message[0]}. */
    private static int[] reply(TimedChannel c, String[] message) throws IOException {
        ByteBuffer h = PayloadFrames.direct(PayloadFrames.REPLY_BYTES);
        c.readFully(h, TimedChannel.deadlineIn(5_000));
        h.flip();
        int status = h.getInt();
        int flags = h.getInt();
        h.position(24);
        int values = h.getInt();
        ByteBuffer m = ByteBuffer.allocate(h.getInt());
        c.readFully(m, TimedChannel.deadlineIn(5_000));
        message[0] = new String(m.array(), StandardCharsets.UTF_8);
        if (values > 0) {
            c.readFully(PayloadFrames.direct(values * 4), TimedChannel.deadlineIn(5_000));
        }
        return new int[] {status, flags};
    }

    private static void request(TimedChannel c, int kind, int workerId, long sequence, int values) throws IOException {
        ByteBuffer b = PayloadFrames.direct(PayloadFrames.REQUEST_BYTES);
        new PayloadFrames.Request(kind, workerId, 0, sequence, 0.5, 1, PayloadFrames.FLAG_RETURN_WEIGHTS, values, 0)
                .write(b);
        b.flip();
        c.writeFully(b, DEADLINE);
    }

    private static void assertClosedByServer(TimedChannel c) {
        assertThrows(EOFException.class, () -> c.readFully(ByteBuffer.allocate(1), TimedChannel.deadlineIn(5_000)));
    }

    @Test
    void aWrongSecretOrAnUnregisteredWorkerIsRefusedAndTheSocketClosed() throws Exception {
        start(new Asynchronous());
        RegisterReply r = register(0);
        byte[] wrong = r.getPayloadSocket().getSecret().toByteArray();
        wrong[31] ^= 1;
        for (int id : new int[] {r.getWorkerId(), 7}) {
            try (TimedChannel c = connect(r)) {
                hello(c, id, id == 7 ? r.getPayloadSocket().getSecret().toByteArray() : wrong);
                String[] message = new String[1];
                int[] reply = reply(c, message);
                assertEquals(Status.Code.UNAUTHENTICATED.value(), reply[0]);
                assertEquals(PayloadFrames.FLAG_CLOSING, reply[1] & PayloadFrames.FLAG_CLOSING);
                assertTrue(message[0].contains("worker " + id + " did not present the secret"), message[0]);
                assertClosedByServer(c);
            }
        }
        // the right secret is taken, and a pull answers the weights
        try (TimedChannel c = connect(r)) {
            hello(c, r.getWorkerId(), r.getPayloadSocket().getSecret().toByteArray());
            String[] message = new String[1];
            assertEquals(0, reply(c, message)[0]);
            request(c, PayloadFrames.KIND_PULL, r.getWorkerId(), 0, 0);
            assertEquals(0, reply(c, message)[0]);
        }
    }

    @Test
    void aWorkerThatLeavesHasItsSocketClosedAndItsSecretRefused() throws Exception {
        start(new Asynchronous());
        RegisterReply first = register(0);
        RegisterReply second = register(1);
        String[] message = new String[1];
        // worker 0 deregisters, worker 1's lease expires: each one's open socket is closed by the server
        for (RegisterReply r : new RegisterReply[] {first, second}) {
            byte[] secret = r.getPayloadSocket().getSecret().toByteArray();
            try (TimedChannel c = connect(r)) {
                hello(c, r.getWorkerId(), secret);
                assertEquals(0, reply(c, message)[0]);
                request(c, PayloadFrames.KIND_PULL, r.getWorkerId(), 0, 0);
                assertEquals(0, reply(c, message)[0]);
                if (r == first) {
                    ParameterServerGrpc.newBlockingStub(channel).deregister(dev.momentumps.proto.DeregisterRequest
                            .newBuilder().setWorkerId(r.getWorkerId()).build());
                } else {
                    assertArrayEquals(new int[] {r.getWorkerId()}, core.expireLeases(0));
                }
                assertClosedByServer(c);
            }
            // the secret of the registration that ended opens no socket again
            try (TimedChannel c = connect(r)) {
                hello(c, r.getWorkerId(), secret);
                int[] refused = reply(c, message);
                assertEquals(Status.Code.UNAUTHENTICATED.value(), refused[0]);
                assertTrue(message[0].contains("worker " + r.getWorkerId() + " did not present the secret"),
                        message[0]);
                assertClosedByServer(c);
            }
        }
        // registering again issues a new secret, which is taken; the old one stays refused
        RegisterReply again = register(1);
        assertEquals(second.getWorkerId(), again.getWorkerId());
        assertTrue(!again.getPayloadSocket().getSecret().equals(second.getPayloadSocket().getSecret()));
        try (TimedChannel c = connect(again)) {
            hello(c, again.getWorkerId(), again.getPayloadSocket().getSecret().toByteArray());
            assertEquals(0, reply(c, message)[0]);
            request(c, PayloadFrames.KIND_PULL, again.getWorkerId(), 0, 0);
            assertEquals(0, reply(c, message)[0]);
        }
    }

    @Test
    void aBadHeaderIsRefusedBeforeAnyValueIsReadAndChangesNothing() throws Exception {
        start(new Asynchronous());
        RegisterReply r = register(0);
        int id = r.getWorkerId();
        // each header claims values that never come: the answer arrives at once, so none was waited for
        int[][] bad = {{PayloadFrames.KIND_PUSH, id, 1 << 29}, {PayloadFrames.KIND_PUSH, id, N + 1},
            {PayloadFrames.KIND_PUSH, id + 1, N}, {9, id, N}, {PayloadFrames.KIND_PULL, id, N}};
        String[] expected = {"values: 536870912, the model has 1000", "values: 1001, the model has 1000",
            "worker_id: " + (id + 1) + " on the payload socket of worker " + id, "kind: 9", "values: a pull"};
        for (int k = 0; k < bad.length; k++) {
            try (TimedChannel c = connect(r)) {
                hello(c, id, r.getPayloadSocket().getSecret().toByteArray());
                String[] message = new String[1];
                assertEquals(0, reply(c, message)[0]);
                request(c, bad[k][0], bad[k][1], 1, bad[k][2]);
                int[] reply = reply(c, message);
                assertEquals(Status.Code.INVALID_ARGUMENT.value(), reply[0], message[0]);
                assertEquals(PayloadFrames.FLAG_CLOSING, reply[1] & PayloadFrames.FLAG_CLOSING);
                assertTrue(message[0].startsWith(expected[k]), message[0]);
                assertClosedByServer(c);
            }
        }
        assertEquals(0, core.version());
        assertArrayEquals(w0, core.weights());
    }

    @Test
    void aSocketThatEndsInsideAPushLeavesTheStateUnchanged() throws Exception {
        start(new Asynchronous());
        RegisterReply r = register(0);
        int id = r.getWorkerId();
        byte[] secret = r.getPayloadSocket().getSecret().toByteArray();
        String[] message = new String[1];
        // more times than a worker may hold admitted pushes: each cut-off push gave its admission back
        for (int k = 0; k < Admission.PER_WORKER + 1; k++) {
            try (TimedChannel c = connect(r)) {
                hello(c, id, secret);
                assertEquals(0, reply(c, message)[0]);
                request(c, PayloadFrames.KIND_PUSH, id, 1, N);
                ByteBuffer half = PayloadFrames.direct(N * 2);
                c.writeFully(half, DEADLINE);
            }
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (host.payloadSockets().openSockets() > 0 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertEquals(0, host.payloadSockets().openSockets(), "the server closed every cut-off socket");
        assertEquals(0, core.version());
        assertArrayEquals(w0, core.weights());
        // sequence 1 is still free, and a whole push is applied
        try (TimedChannel c = connect(r)) {
            hello(c, id, secret);
            assertEquals(0, reply(c, message)[0]);
            request(c, PayloadFrames.KIND_PUSH, id, 1, N);
            c.writeFully(PayloadFrames.direct(N * 4), DEADLINE);
            assertEquals(0, reply(c, message)[0], message[0]);
        }
        assertEquals(1, core.version());
    }

    @Test
    void stoppingTheServerClosesEverySocketAndEndsAWaitingPush() throws Exception {
        start(new Synchronous());
        RegisterReply r0 = register(0);
        register(1); // a second worker that never pushes: worker 0's push waits for the round
        String[] message = new String[1];
        TimedChannel idle = connect(r0);
        TimedChannel waiting = connect(r0);
        try {
            hello(waiting, r0.getWorkerId(), r0.getPayloadSocket().getSecret().toByteArray());
            assertEquals(0, reply(waiting, message)[0]);
            request(waiting, PayloadFrames.KIND_PUSH, r0.getWorkerId(), 1, N);
            waiting.writeFully(PayloadFrames.direct(N * 4), DEADLINE);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (core.status().workers().get(0).pushes() < 1 && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertEquals(1, core.status().workers().get(0).pushes(), "the push waits in its round");
            long t0 = System.nanoTime();
            host.stop(1_000);
            host = null;
            long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(stopMillis < 3_000, "stop took " + stopMillis + " ms");
            assertClosedByServer(idle);
            assertClosedByServer(waiting);
        } finally {
            idle.close();
            waiting.close();
        }
    }
}
