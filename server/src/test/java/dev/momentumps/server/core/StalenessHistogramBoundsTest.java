package dev.momentumps.server.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.momentumps.proto.StatusReply;
import dev.momentumps.server.consistency.Asynchronous;
import dev.momentumps.server.optim.Sgd;
import dev.momentumps.wire.ProtoMapping;
import dev.momentumps.wire.ServerStatus;
import dev.momentumps.wire.StalenessStats;
import dev.momentumps.wire.TensorLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The staleness histograms of a long run with many workers keep their bounds: each worker's has at most
 * {@link RequestBounds#WORKER_STALENESS_BUCKETS} buckets and the overall one {@link RequestBounds#STALENESS_BUCKETS},
 * so every Status page stays under {@link #PAGE_BOUND} however long the run and however stale a push; the counts,
 * the mean and the max stay exact.
 */
class StalenessHistogramBoundsTest {
    private static final int WORKERS = 1_500;
    /** a page's workers fill at most ProtoMapping.STATUS_PAGE_BYTES; the counters and the overall histogram the rest */
    private static final int PAGE_BOUND = 2 << 20;
    /** the version of a run of ten billion updates */
    private static final long VERSION = 10_000_000_000L;

    @Test
    void aLongRunOfManyWorkersKeepsEveryStatusPageUnderItsBound() {
        // a long run's state as its checkpoint would bring it back: every worker with staleness up to 4,095
        // (counts of 2^32 each; 2^20 in the overall one), the overall histogram up to 400,000, at version 10^10
        ParameterServerCore first = core();
        int init = first.register(0, "init");
        first.initialize(init, TensorLayout.of("w", 1), new float[1]);
        CoreSnapshot s = first.snapshot();
        String pad = "x".repeat(RequestBounds.MAX_NAME_BYTES - 8);
        List<CoreSnapshot.WorkerState> workers = new ArrayList<>();
        long[] workerHistogram = new long[4_096];
        Arrays.fill(workerHistogram, 1L << 32);
        for (int w = 0; w < WORKERS; w++) {
            workers.add(new CoreSnapshot.WorkerState(w, w, String.format("%08d", w) + pad, 4_096L << 32, 7, false,
                    workerHistogram));
        }
        long[] overall = new long[400_000];
        Arrays.fill(overall, 1L << 20);
        ParameterServerCore core = core();
        core.restore(new CoreSnapshot(s.layout(), s.weights(), VERSION, s.updateRule(), s.ruleState(),
                400_000L << 20, 0, overall, workers, s.extensions()));

        // worker 0 pushes on weights 10^10 versions old, worker 1 on the current ones
        assertEquals(0, core.register(0, "00000000" + pad));
        assertEquals(1, core.register(1, "00000001" + pad));
        assertTrue(core.push(0, 0, 8, new float[1], 0.5, 1, false).applied());
        assertTrue(core.push(1, VERSION + 1, 8, new float[1], 0.5, 1, false).applied());

        ServerStatus status = core.status();
        assertEquals(RequestBounds.STALENESS_BUCKETS, status.staleness().histogram().length);
        assertEquals(VERSION, status.staleness().max(), "the max is exact");
        assertEquals((400_000L << 20) + 2, status.staleness().count(), "no count is lost");
        assertEquals((400_000L << 20) + 2, Arrays.stream(status.staleness().histogram()).sum());
        for (ServerStatus.Worker w : status.workers()) {
            assertEquals(RequestBounds.WORKER_STALENESS_BUCKETS, w.stalenessHistogram().length, w::name);
        }
        ServerStatus.Worker stale = status.workers().get(0);
        assertEquals(VERSION, stale.maxStaleness(), "the max is exact");
        assertEquals((4_096L << 32) + 1, Arrays.stream(stale.stalenessHistogram()).sum(), "no count is lost");
        assertEquals(1L + (3_073L << 32), stale.stalenessHistogram()[RequestBounds.WORKER_STALENESS_BUCKETS - 1],
                "the last bucket holds the tail: 1,023 ... 4,095 and 10^10");

        int seen = 0;
        int pages = 0;
        while (seen < WORKERS) {
            StatusReply page = ProtoMapping.statusPage(status, seen, ProtoMapping.STATUS_PAGE_BYTES);
            assertTrue(page.getSerializedSize() <= PAGE_BOUND, "a page of " + page.getSerializedSize() + " bytes");
            assertTrue(page.getWorkersCount() > 0, "an empty page at " + seen);
            if (seen == 0) {
                // the client reads the exact mean and max beside the histogram's tail
                ServerStatus back = ProtoMapping.fromProto(page);
                assertEquals(VERSION, back.staleness().max());
                assertEquals(status.staleness().mean(), back.staleness().mean(), 1e-9 * status.staleness().mean());
            }
            seen += page.getWorkersCount();
            pages++;
        }
        assertTrue(pages > 1, "one page only");
        core.close();
        first.close();
    }

    @Test
    void aBoundedHistogramFoldsItsTailAndKeepsCountMeanAndMax() {
        StalenessStats s = new StalenessStats(4);
        for (long tau : new long[] {0, 1, 2, 3, 9, 1L << 40}) {
            s.record(tau);
        }
        assertArrayEquals(new long[] {1, 1, 1, 3}, s.histogram());
        assertEquals(6, s.count());
        assertEquals(1L << 40, s.max());
        assertEquals((15.0 + (1L << 40)) / 6, s.mean(), 1e-3);
        StalenessStats restored = new StalenessStats(4);
        restored.restore(new long[] {1, 0, 0, 0, 0, 2});
        assertArrayEquals(new long[] {1, 0, 0, 2}, restored.histogram());
        assertEquals(3, restored.count());
    }

    private static void assertArrayEquals(long[] expected, long[] actual) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual, Arrays.toString(actual));
    }

    private static ParameterServerCore core() {
        return new ParameterServerCore(new Sgd(0.1, 0), t -> 1f, 0, new Asynchronous(), 1);
    }
}
