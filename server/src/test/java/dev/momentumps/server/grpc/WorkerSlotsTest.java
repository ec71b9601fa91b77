package dev.momentumps.server.grpc;

import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.optim.OptimizerConfig;
import dev.momentumps.server.optim.UpdateRules;
import dev.momentumps.wire.RequestException;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.config.ConfigKeys;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mps.maxWorkers}: live registrations are bounded, and a worker that leaves frees its slot. */
class WorkerSlotsTest {
    private static final int MAX = 3;

    private static ParameterServerCore core() {
        System.setProperty(ConfigKeys.MAX_WORKERS.name(), String.valueOf(MAX));
        try {
            OptimizerConfig c = OptimizerConfig.defaults("sgd");
            return new ParameterServerCore(UpdateRules.create(c), UpdateRules.schedule(c), 0, new Asynchronous(), 1);
        } finally {
            System.clearProperty(ConfigKeys.MAX_WORKERS.name());
        }
    }

    private static void assertRefused(ParameterServerCore core, int rank) {
        List<String> before = slots(core);
        RequestException e = assertThrows(RequestException.class, () -> core.register(rank, "w" + rank));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, Statuses.of(e).getStatus().getCode());
        assertTrue(e.getMessage().contains(ConfigKeys.MAX_WORKERS.name()), e.getMessage());
        assertEquals(before, slots(core), "a refused Register changes nothing");
    }

    private static List<String> slots(ParameterServerCore core) {
        return core.status().workers().stream().map(w -> w.id() + " " + w.rank() + " " + w.name() + " " + w.alive())
                .toList();
    }

    @Test
    void aRegisterBeyondTheBoundIsRefusedUntilAWorkerDeregistersOrExpires() throws Exception {
        ParameterServerCore core = core();
        for (int r = 0; r < MAX; r++) {
            assertEquals(r, core.register(r, "w" + r));
        }
        assertRefused(core, MAX);
        assertRefused(core, 0); // a second record of a live rank is one more worker too

        core.deregister(1);
        assertEquals(1, core.register(1, "w1 again"), "a deregistered rank comes back under its id");
        assertRefused(core, MAX);
        core.deregister(2);
        assertEquals(MAX, core.register(MAX, "new"), "a deregistered worker's slot takes a new rank");
        assertRefused(core, 2);

        Thread.sleep(20);
        core.touch(0);
        core.touch(1);
        assertArrayEquals(new int[] {MAX}, core.expireLeases(10_000_000L));
        assertEquals(2, core.register(2, "w2 again"), "an expired worker's slot is free again");
        assertEquals(MAX, core.status().workers().stream().filter(ServerStatus.Worker::alive).count());
        assertRefused(core, MAX);
    }

    @Test
    void aBadValueIsRefusedNamingTheKey() {
        System.setProperty(ConfigKeys.MAX_WORKERS.name(), "0");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ConfigKeys.MAX_WORKERS::getInt);
            assertTrue(e.getMessage().contains(ConfigKeys.MAX_WORKERS.name()), e.getMessage());
        } finally {
            System.clearProperty(ConfigKeys.MAX_WORKERS.name());
        }
    }
}
