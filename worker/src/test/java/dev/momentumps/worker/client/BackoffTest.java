package dev.momentumps.worker.client;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void waitsDoubleWithJitterUpToTheCapAndStartOverAfterReset() {
        Backoff b = new Backoff(100, 5_000, 42);
        long cap = 100;
        Set<Long> distinct = new HashSet<>();
        for (int k = 0; k < 60; k++) {
            long w = b.next();
            assertTrue(w >= cap / 2 && w <= cap, "wait " + k + " = " + w + " not in [" + cap / 2 + ", " + cap + "]");
            distinct.add(w);
            cap = Math.min(5_000, cap * 2);
        }
        assertTrue(distinct.size() > 10, "jittered waits differ: " + distinct);
        b.reset();
        long first = b.next();
        assertTrue(first >= 50 && first <= 100, "after reset: " + first);
        assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(100, 10, 1));
    }

    @Test
    void twoWorkersWithDifferentSeedsDoNotRetryInLockstep() {
        Backoff a = new Backoff(100, 5_000, 1);
        Backoff b = new Backoff(100, 5_000, 2);
        int same = 0;
        for (int k = 0; k < 20; k++) {
            if (a.next() == b.next()) {
                same++;
            }
        }
        assertTrue(same < 5, same + " of 20 waits equal");
    }
}
