package dev.clb.analyzer.traffic;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Random;
import java.util.Set;

/**
 * Key popularity as real traffic has it: key k (1 = the most popular) is requested with probability proportional to
 * 1 / k^s. Each key is a distinct six-digit request id, drawn from the seed, so the hot keys land wherever the
 * strategy puts those ids.
 */
public final class Zipf {
    private final double[] cumulative;
    private final long[] keyIds;

    public Zipf(int keys, double exponent, long seed) {
        if (keys < 1) throw new IllegalArgumentException("at least one key, got " + keys);
        if (!(exponent > 0)) throw new IllegalArgumentException("the exponent must be positive, got " + exponent);
        cumulative = new double[keys];
        double sum = 0;
        for (int k = 1; k <= keys; k++) {
            sum += Math.pow(k, -exponent);
            cumulative[k - 1] = sum;
        }
        for (int i = 0; i < keys; i++) cumulative[i] /= sum;
        cumulative[keys - 1] = 1.0;
        Random random = new Random(seed);
        Set<Long> ids = new LinkedHashSet<>();
        while (ids.size() < keys) ids.add(RequestIds.FIRST + random.nextInt((int) (RequestIds.LAST - RequestIds.FIRST + 1)));
        keyIds = ids.stream().mapToLong(Long::longValue).toArray();
    }

    /** The probability of key {@code rank} (1-based). */
    public double probability(int rank) {
        return cumulative[rank - 1] - (rank == 1 ? 0 : cumulative[rank - 2]);
    }

    /** The request id standing for key {@code rank}. */
    public long id(int rank) {
        return keyIds[rank - 1];
    }

    /** The rank (1-based) that a uniform number in [0, 1) falls on. */
    public int rank(double uniform) {
        // key k covers [cumulative[k - 2], cumulative[k - 1]): the first entry above the number
        int at = Arrays.binarySearch(cumulative, uniform);
        int firstAbove = at >= 0 ? at + 1 : -at - 1;
        return Math.min(firstAbove + 1, cumulative.length);
    }

    /** {@code count} request ids drawn by popularity from {@code seed}: the same seed, the same sequence. */
    public long[] sample(long seed, int count) {
        Random random = new Random(seed);
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) ids[i] = id(rank(random.nextDouble()));
        return ids;
    }
}
