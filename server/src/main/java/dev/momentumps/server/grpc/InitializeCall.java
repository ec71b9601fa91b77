package dev.momentumps.server.grpc;

import dev.momentumps.proto.InitializeFrame;
import dev.momentumps.proto.InitializeHeader;
import dev.momentumps.proto.InitializeReply;
import dev.momentumps.wire.ProtoMapping;
import dev.momentumps.wire.ShardPlan;
import dev.momentumps.wire.TensorLayout;
import dev.momentumps.wire.codec.ChunkAssembler;
import dev.momentumps.wire.config.ConfigKeys;
import io.grpc.stub.StreamObserver;

/** Initialize: a header with the layout, then the initial weights in chunks; the first worker's call wins. */
final class InitializeCall {
    private static final boolean GC_AFTER_INITIALIZE = ConfigKeys.GC_AFTER_INITIALIZE.getBoolean();
    private final RpcSupport rpc;

    InitializeCall(RpcSupport rpc) {
        this.rpc = rpc;
    }

    StreamObserver<InitializeFrame> handle(StreamObserver<InitializeReply> out) {
        return new FrameReader<>(out, "initialize", rpc.streamIdleMillis) {
            private InitializeHeader header;
            private TensorLayout layout;
            private ChunkAssembler chunks;
            private boolean initialised;
            private Admission.Grant grant;

            @Override
            void frame(InitializeFrame f) {
                if (f.hasHeader()) {
                    if (header != null) {
                        throw RpcSupport.invalid("header: sent twice");
                    }
                    InitializeHeader h = f.getHeader();
                    TensorLayout l = ProtoMapping.fromProto(h.getLayout());
                    // checked (size, worker, an initialised model's layout) and admitted before allocating
                    initialised = rpc.core.checkInitialize(h.getWorkerId(), l);
                    if (!initialised) {
                        grant = rpc.admission.admit(h.getWorkerId(), 4L * l.numElements(), "initialize");
                        chunks = new ChunkAssembler(l.numElements());
                    }
                    header = h;
                    layout = l;
                } else if (header == null) {
                    throw RpcSupport.invalid("header: the first frame must be the header");
                } else if (!initialised) {
                    chunks.accept(f.getChunk());
                } // else: the model is initialised already; its weights are not read

            }

            @Override
            void ended() {
                if (grant != null) {
                    grant.close();
                }
            }

            /** The assembled weights, handed over to the core: nothing here holds them any longer. */
            private float[] weights() {
                float[] w = chunks.finish();
                chunks = null;
                return w;
            }

            @Override
            InitializeReply finish() {
                if (header == null) {
                    throw RpcSupport.invalid("header: missing");
                }
                ShardPlan p = rpc.shard.check(
                        header.hasModelLayout() ? ProtoMapping.fromProto(header.getModelLayout()) : null, layout);
                boolean first = rpc.core.initialize(header.getWorkerId(), layout, initialised ? null : weights(), true);
                rpc.plan = p;
                rpc.replicated();
                if (first && GC_AFTER_INITIALIZE) {
                    // the model's transient copies (chunks, assembly) are garbage now; one full collection at
                    // start lets a server process's heap shrink to its live state (see JvmOptions in the cli)
                    System.gc();
                }
                return InitializeReply.newBuilder().setVersion(rpc.core.version()).setAlreadyInitialized(!first)
                        .build();
            }
        };
    }
}
