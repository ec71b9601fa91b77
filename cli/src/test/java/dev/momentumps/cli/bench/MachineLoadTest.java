package dev.momentumps.cli.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MachineLoadTest {
    @Test
    void idleIsIdlePlusIowaitOverAllJiffiesButGuestTime() {
        // user nice system idle iowait irq softirq steal guest guest_nice
        long[] a = MachineLoad.parseCpuLine("cpu  100 0 50 800 50 0 0 0 30 0");
        assertArrayEquals(new long[] {1000, 850}, a);
        long[] b = MachineLoad.parseCpuLine("cpu  250 0 100 850 50 0 0 0 90 0");
        // 200 more busy, 50 more idle: 20% idle
        assertEquals(20.0, MachineLoad.idlePercent(a, b), 1e-9);
        assertNull(MachineLoad.parseCpuLine("cpu0 1 2 3 4 5 6 7 8"));
        assertTrue(Double.isNaN(MachineLoad.idlePercent(b, a)));
    }

    @Test
    void aSampleOnThisMachineHasALoadAndAnIdleShare() throws Exception {
        Map<String, Object> m = MachineLoad.sample(200);
        double idle = (Double) m.get("idle_pct");
        assertTrue(Double.isNaN(idle) || (idle >= 0 && idle <= 100), m.toString());
        assertTrue(m.containsKey("load_1m"), m.toString());
    }

    @Test
    void peerCpuInAWindowIsInterpolatedBetweenSamples() {
        List<double[]> s = new ArrayList<>();
        s.add(new double[] {0, 1.0});
        s.add(new double[] {100, 2.0});
        s.add(new double[] {200, 4.0});
        // at 50: 1.5; at 150: 3.0
        assertEquals(1.5, PeerRun.cpuBetween(s, 50, 150), 1e-12);
        assertEquals(3.0, PeerRun.cpuBetween(s, 0, 200), 1e-12);
        assertTrue(Double.isNaN(PeerRun.cpuBetween(s, -10, 150)), "a window the samples do not cover has no figure");
        assertTrue(PeerRun.timedWindowOver("x\nI1207 tensorpipe_agent.cpp:1142] RPC agent for ps is shutting down\n"));
        assertTrue(PeerRun.timedWindowOver("{\"peer\": \"torch-rpc\"}\n"));
        assertTrue(!PeerRun.timedWindowOver("WARNING: Logging before InitGoogleLogging()\n"));
    }
}
