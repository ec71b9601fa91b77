package dev.momentumps.worker.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ShardsAndSamplerTest {

    @Test
    void shardsCoverEveryRowOnceWithSizesWithinOne() {
        for (int n : new int[] {0, 1, 7, 10, 32561}) {
            for (int w = 1; w <= 9; w++) {
                int[] seen = new int[n];
                int min = Integer.MAX_VALUE;
                int max = 0;
                int expectedFrom = 0;
                for (int r = 0; r < w; r++) {
                    Shards.Range range = Shards.range(n, w, r);
                    assertEquals(expectedFrom, range.from(), "contiguous");
                    expectedFrom = range.to();
                    min = Math.min(min, range.size());
                    max = Math.max(max, range.size());
                    for (int i = range.from(); i < range.to(); i++) {
                        seen[i]++;
                    }
                }
                assertEquals(n, expectedFrom);
                assertTrue(max - min <= 1, n + " rows on " + w);
                for (int c : seen) {
                    assertEquals(1, c);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Shards.range(10, 3, 3));
        Dataset shard = Shards.shard(DatasetTest.dense(), 2, 1);
        assertEquals(1, shard.rows());
        assertEquals(7f, shard.label(0));
    }

    /** The rows of {@code epochs} full epochs, batch by batch. */
    private static int[] draw(MinibatchSampler s, int epochs) {
        int[] out = new int[s.rows() * epochs];
        int[] batch = new int[s.batchSize()];
        int filled = 0;
        for (int step = 0; step < s.stepsPerEpoch() * epochs; step++) {
            int count = s.next(batch);
            System.arraycopy(batch, 0, out, filled, count);
            filled += count;
        }
        assertEquals(out.length, filled);
        return out;
    }

    @Test
    void shuffledEpochsArePermutationsAndDeterministic() {
        MinibatchSampler s = MinibatchSampler.shuffled(103, 10, 42);
        assertEquals(11, s.stepsPerEpoch());
        int[] rows = draw(s, 3);
        for (int e = 0; e < 3; e++) {
            int[] epoch = Arrays.copyOfRange(rows, e * 103, (e + 1) * 103);
            int[] sorted = epoch.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < 103; i++) {
                assertEquals(i, sorted[i], "epoch " + e + " covers every row once");
            }
        }
        assertEquals(2, s.epoch());
        assertFalse(Arrays.equals(Arrays.copyOfRange(rows, 0, 103), Arrays.copyOfRange(rows, 103, 206)),
                "reshuffled each epoch");
        assertArrayEquals(rows, draw(MinibatchSampler.shuffled(103, 10, 42), 3), "same seed, same batches");
        assertFalse(Arrays.equals(rows, draw(MinibatchSampler.shuffled(103, 10, 43), 3)), "seeds differ");
    }

    @Test
    void lastBatchIsPartialAndSequentialIsInOrder() {
        MinibatchSampler s = MinibatchSampler.sequential(7, 3);
        int[] b = new int[3];
        assertEquals(3, s.next(b));
        assertArrayEquals(new int[] {0, 1, 2}, b);
        assertEquals(3, s.next(b));
        assertEquals(1, s.next(b));
        assertEquals(6, b[0]);
        assertEquals(0, s.epoch());
        assertEquals(3, s.next(b));
        assertArrayEquals(new int[] {0, 1, 2}, b);
        assertEquals(1, s.epoch());
        assertThrows(IllegalArgumentException.class, () -> s.next(new int[2]));
        assertThrows(IllegalArgumentException.class, () -> MinibatchSampler.shuffled(0, 3, 1));
    }
}
