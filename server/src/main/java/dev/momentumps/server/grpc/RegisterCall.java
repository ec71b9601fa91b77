package dev.momentumps.server.grpc;

import dev.momentumps.proto.RegisterReply;
import dev.momentumps.proto.RegisterRequest;
import dev.momentumps.proto.Shard;
import dev.momentumps.proto.ShardMap;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.wire.ProtoMapping;
import dev.momentumps.wire.ShardPlan;
import dev.momentumps.wire.TensorLayout;
import io.grpc.stub.StreamObserver;

/** Register: a worker id, and what the worker needs to know of this server (mode, layout, shard, host). */
final class RegisterCall {
    private final RpcSupport rpc;
    private final String address;
    private final String hostId;
    private final PayloadSockets payload;

    /**
     * @param address how workers reach this server, reported in the shard map
     * @param hostId  this host's id when same-host workers may use shared regions, else empty
     * @param payload the payload socket, offered with a fresh secret per registration when it listens
     */
    RegisterCall(RpcSupport rpc, String address, String hostId, PayloadSockets payload) {
        this.rpc = rpc;
        this.address = address;
        this.hostId = hostId;
        this.payload = payload;
    }

    void handle(RegisterRequest request, StreamObserver<RegisterReply> out) {
        try {
            ParameterServerCore core = rpc.core;
            int id = core.register(request.getRank(), request.getName());
            rpc.replicated();
            TensorLayout layout = core.layout();
            RegisterReply.Builder reply = RegisterReply.newBuilder()
                    .setWorkerId(id)
                    .setInitialized(layout != null)
                    .setMode(ProtoMapping.toProto(core.consistency().kind()))
                    .setVersion(core.version())
                    .setChunkBytes(rpc.chunkBytes)
                    .setUpdateRule(core.optimizer())
                    .setStalenessBound(core.consistency().stalenessBound())
                    .setHostId(hostId);
            dev.momentumps.proto.PayloadSocket socket = payload.offer(id);
            if (socket != null) {
                reply.setPayloadSocket(socket);
            }
            ShardPlan p = rpc.plan;
            if (layout != null) {
                reply.setLayout(ProtoMapping.toProto(layout));
            }
            if (layout != null && p != null) {
                int k = rpc.shard.index();
                reply.setShardMap(ShardMap.newBuilder().addShards(
                        Shard.newBuilder().setIndex(k).setAddress(address).setBegin(p.begin(k)).setEnd(p.end(k))));
            }
            out.onNext(reply.build());
            out.onCompleted();
        } catch (RuntimeException e) {
            out.onError(Statuses.of(e));
        }
    }
}
