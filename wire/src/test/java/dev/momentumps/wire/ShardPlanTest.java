package dev.momentumps.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShardPlanTest {

    @Test
    void oneShardHoldsTheWholeModelUnchanged() {
        TensorLayout l = TensorLayout.builder().add("w", 3, 4).add("b", 3).build();
        ShardPlan p = new ShardPlan(l, 1);
        assertEquals(0, p.begin(0));
        assertEquals(15, p.end(0));
        assertEquals(l, p.shardLayout(0));
    }

    @Test
    void aBigTensorIsSplitEvenlyOverAllShards() {
        TensorLayout l = TensorLayout.of("x", 1000);
        ShardPlan p = new ShardPlan(l, 3, 100);
        assertEquals(0, p.begin(0));
        assertEquals(333, p.end(0));
        assertEquals(666, p.end(1));
        assertEquals(1000, p.end(2));
        assertEquals(TensorLayout.of("x[333:666]", 333), p.shardLayout(1));
    }

    @Test
    void smallTensorsStayWholeAndTheCutMovesToTheNearerEnd() {
        // 60 | 30 | 10: the balanced cut at 50 lies inside "a" (small), nearer its end 60
        TensorLayout l = TensorLayout.builder().add("a", 6, 10).add("b", 30).add("c", 10).build();
        ShardPlan p = new ShardPlan(l, 2, 100);
        assertEquals(60, p.end(0));
        assertEquals(TensorLayout.builder().add("a", 6, 10).build(), p.shardLayout(0));
        assertEquals(TensorLayout.builder().add("b", 30).add("c", 10).build(), p.shardLayout(1));
    }

    @Test
    void bigAndSmallTensorsMix() {
        // a big tensor of 200 and a small one of 10: cuts at 70 and 140 both fall in the big one
        TensorLayout l = TensorLayout.builder().add("w", 20, 10).add("b", 10).build();
        ShardPlan p = new ShardPlan(l, 3, 50);
        assertEquals(70, p.end(0));
        assertEquals(140, p.end(1));
        assertEquals(TensorLayout.builder().add("w[140:200]", 60).add("b", 10).build(), p.shardLayout(2));
    }

    @Test
    void fewerTensorsThanShardsStillGivesEveryShardSomething() {
        TensorLayout l = TensorLayout.builder().add("weight", 1, 20).add("bias", 1).build();
        ShardPlan p = new ShardPlan(l, 3);
        int covered = 0;
        for (int k = 0; k < 3; k++) {
            assertTrue(p.size(k) >= 1, "shard " + k + " is empty: " + p);
            assertEquals(covered, p.begin(k));
            assertEquals(p.size(k), p.shardLayout(k).numElements());
            covered = p.end(k);
        }
        assertEquals(21, covered);
    }

    @Test
    void tooSmallAModelOrNoShardsIsRefused() {
        TensorLayout l = TensorLayout.of("x", 2);
        assertThrows(IllegalArgumentException.class, () -> new ShardPlan(l, 3));
        assertThrows(IllegalArgumentException.class, () -> new ShardPlan(l, 0));
        assertThrows(IllegalArgumentException.class, () -> new ShardPlan(l, 1, -1));
    }
}
