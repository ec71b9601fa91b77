package dev.momentumps.worker.loop;

import dev.momentumps.server.core.ParameterServerCore;
import dev.momentumps.server.inprocess.InProcessParameterClient;
import dev.momentumps.wire.ParameterClient;

/** The transport contract with workers calling the core directly. */
class InProcessTransportTest extends TrainingLoopContractTest {
    @Override
    protected Server start(ParameterServerCore core) {
        return new Server() {
            @Override
            public ParameterClient client() {
                return new InProcessParameterClient(core, 10_000);
            }

            @Override
            public void close() {
                core.close();
            }
        };
    }
}
