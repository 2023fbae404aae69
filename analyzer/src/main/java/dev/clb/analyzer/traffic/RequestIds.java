package dev.clb.analyzer.traffic;

import java.util.Random;

/** Random 6-digit request ids from a seeded generator: the same seed gives the same ids, so runs are reproducible. */
public final class RequestIds {
    public static final long FIRST = 100_000;
    public static final long LAST = 999_999;

    private RequestIds() {
    }

    public static long[] generate(long seed, int count) {
        Random random = new Random(seed);
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) ids[i] = FIRST + random.nextInt((int) (LAST - FIRST + 1));
        return ids;
    }
}
