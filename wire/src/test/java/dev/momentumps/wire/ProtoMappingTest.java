package dev.momentumps.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.proto.ConsistencyMode;
import dev.momentumps.proto.ModelLayout;
import dev.momentumps.proto.StatusReply;
import dev.momentumps.proto.TensorSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProtoMappingTest {

    @Test
    void everyConsistencyKindTravelsToItsOwnModeAndBack() {
        for (ConsistencyKind k : ConsistencyKind.values()) {
            ConsistencyMode wire = ProtoMapping.toProto(k);
            assertEquals(k.name(), wire.name(), "the wire names the kind alike");
            assertEquals(k, ProtoMapping.fromProto(wire));
        }
        assertEquals(ConsistencyKind.ASYNCHRONOUS, ProtoMapping.fromProto(ConsistencyMode.UNRECOGNIZED));
    }

    @Test
    void aStatusTravelsWithEveryCounterAndHistogram() {
        StalenessStats staleness = StalenessStats.fromHistogram(new long[] {5, 0, 2, 1});
        ServerStatus status = new ServerStatus(41, 44, 3, true, ConsistencyKind.STALE_SYNCHRONOUS, 2,
                "momentum(lr=0.1, beta=0.9)", 1234,
                List.of(new ServerStatus.Worker(0, 1, "a", 20, true, 0.5, 3, new long[] {4, 2, 1, 1}),
                        new ServerStatus.Worker(1, 0, "b", 24, false, 0.25, 2, new long[] {1, 0, 1})),
                staleness, 0.125, java.util.Map.of("shared-memory", 40L, "grpc-stream", 4L));
        StatusReply wire = ProtoMapping.toProto(status);
        assertEquals(staleness.mean(), wire.getMeanStaleness());
        assertEquals(3, wire.getMaxStaleness());
        ServerStatus back = ProtoMapping.fromProto(wire);
        assertEquals(status.version(), back.version());
        assertEquals(status.gradientsApplied(), back.gradientsApplied());
        assertEquals(status.gradientsDropped(), back.gradientsDropped());
        assertEquals(status.initialized(), back.initialized());
        assertEquals(status.mode(), back.mode());
        assertEquals(status.stalenessBound(), back.stalenessBound());
        assertEquals(status.updateRule(), back.updateRule());
        assertEquals(status.pushesByPath(), back.pushesByPath());
        assertEquals(status.numElements(), back.numElements());
        assertEquals(status.workers(), back.workers());
        assertEquals(status.recentLoss(), back.recentLoss());
        assertArrayEquals(staleness.histogram(), back.staleness().histogram());
        assertEquals(staleness.count(), back.staleness().count());
    }

    @Test
    void aLayoutTravelsAndABadOneIsRefusedNamingTheLayout() {
        TensorLayout layout = TensorLayout.builder().add("w", 3, 4).add("b", 4).build();
        assertEquals(layout, ProtoMapping.fromProto(ProtoMapping.toProto(layout)));
        ModelLayout bad = ModelLayout.newBuilder().addTensors(TensorSpec.newBuilder().setName("w").addShape(-2)).build();
        RequestException e = assertThrows(RequestException.class, () -> ProtoMapping.fromProto(bad));
        assertEquals(RequestException.Reason.INVALID_ARGUMENT, e.reason());
        assertTrue(e.getMessage().startsWith("layout: "), e.getMessage());
    }
}
