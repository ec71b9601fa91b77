package dev.momentumps.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class FloatArrayPoolTest {

    @Test
    void givesBackWhatWasReturnedAndNeverTheSameArrayTwiceAtOnce() {
        FloatArrayPool pool = new FloatArrayPool(2, Long.MAX_VALUE, 0);
        float[] a = pool.take(10);
        float[] b = pool.take(10);
        assertNotSame(a, b, "an array taken is owned until given back");
        pool.give(a);
        assertSame(a, pool.take(10));
        assertNotSame(a, pool.take(10), "taken again, so a new one");
    }

    @Test
    void dropsArraysOfAnotherLengthAndKeepsAtMostCapacity() {
        FloatArrayPool pool = new FloatArrayPool(1, Long.MAX_VALUE, 0);
        float[] small = pool.take(3);
        pool.give(small);
        float[] big = pool.take(5);
        assertEquals(5, big.length, "an idle array of another length is not handed out");
        float[] x = pool.take(5);
        pool.give(big);
        pool.give(x); // over capacity: dropped
        assertSame(big, pool.take(5));
        assertNotSame(x, pool.take(5));
        pool.give(null); // ignored
    }

    @Test
    void keepsNoMoreIdleBytesThanItsBudget() {
        FloatArrayPool pool = new FloatArrayPool(8, 100 * Float.BYTES, 0);
        float[] a = pool.take(50);
        float[] b = pool.take(50);
        float[] c = pool.take(50);
        pool.give(a);
        pool.give(b);
        pool.give(c); // a third 50-float array would make 150 floats idle: dropped
        float[] first = pool.take(50);
        float[] second = pool.take(50);
        assertSame(b, first);
        assertSame(a, second);
        assertNotSame(c, pool.take(50));
        float[] huge = pool.take(101);
        pool.give(huge); // bigger than the whole budget: never kept
        assertNotSame(huge, pool.take(101));
    }

    @Test
    void keepsTheFirstFewWhateverTheirSize() {
        FloatArrayPool pool = new FloatArrayPool(8, 100 * Float.BYTES, 2);
        float[][] abc = {pool.take(1_000), pool.take(1_000), pool.take(1_000)};
        for (float[] x : abc) {
            pool.give(x); // the first two are kept although each is ten times the byte budget; the third is not
        }
        assertSame(abc[1], pool.take(1_000));
        assertSame(abc[0], pool.take(1_000));
        assertNotSame(abc[2], pool.take(1_000));
        float[] small = pool.take(10);
        pool.give(abc[0]);
        pool.give(abc[1]);
        pool.give(small); // the third idle array: kept, since three of its size (30 floats) fit the budget
        assertSame(small, pool.take(10));
    }
}
