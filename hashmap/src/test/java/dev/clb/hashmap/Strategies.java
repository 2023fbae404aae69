package dev.clb.hashmap;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** The strategies every strategy test runs on, and rings of replicas {@code server-1..n} on ring ids 1..n. */
final class Strategies {
    static final RingConfig SLOTS = RingConfig.defaults();
    static final RingConfig SLOTS_MURMUR = RingConfig.of(512, HashScheme.MURMUR, Probing.LINEAR);
    static final HashRing.Config RING = new HashRing.Config(HashRing.DEFAULT_POINTS);
    static final HashRing.Config RING_1024 = new HashRing.Config(1024);
    static final MaglevTable.Config MAGLEV = new MaglevTable.Config(MaglevTable.DEFAULT_TABLE_SIZE);

    private Strategies() {
    }

    static Stream<Arguments> all() {
        return Stream.of(SLOTS, SLOTS_MURMUR, RING, RING_1024, MAGLEV).map(s -> Arguments.of(s.describe().strategy() + "/" + s.describe().hash(), s));
    }

    static List<RingStrategy> list() {
        return List.of(SLOTS, SLOTS_MURMUR, RING, RING_1024, MAGLEV);
    }

    static Ring<Void> ring(RingStrategy strategy, int n) {
        Ring<Void> ring = strategy.empty();
        try {
            for (int i = 1; i <= n; i++) ring = ring.with(new Node<>("server-" + i, i, null));
        } catch (RingFullException e) {
            throw new AssertionError(e);
        }
        return ring;
    }

    private static final long INVERSE_1 = java.math.BigInteger.valueOf(0xff51afd7ed558ccdL).modInverse(java.math.BigInteger.TWO.pow(64)).longValue();
    private static final long INVERSE_2 = java.math.BigInteger.valueOf(0xc4ceb9fe1a85ec53L).modInverse(java.math.BigInteger.TWO.pow(64)).longValue();

    /** The id whose fmix64 is {@code hash}: fmix64 undone step by step (a shift of 33 xored in is its own inverse). */
    static long unfmix64(long hash) {
        long k = hash ^ hash >>> 33;
        k *= INVERSE_2;
        k ^= k >>> 33;
        k *= INVERSE_1;
        return k ^ k >>> 33;
    }

    /** Over all six-digit ids: how many changed replica from {@code before} to {@code after}, and how many of those between two replicas both have. */
    record Moves(long moved, long betweenStaying) {
        static Moves between(Ring<Void> before, Ring<Void> after) {
            long moved = 0, betweenStaying = 0;
            for (long id = Ring.FIRST_SIX_DIGIT_ID; id <= Ring.LAST_SIX_DIGIT_ID; id++) {
                Node<Void> was = before.lookup(id), is = after.lookup(id);
                if (!was.name().equals(is.name())) {
                    moved++;
                    if (after.node(was.name()) != null && before.node(is.name()) != null) betweenStaying++;
                }
            }
            return new Moves(moved, betweenStaying);
        }

        double movedFraction() {
            return moved / (double) Ring.SIX_DIGIT_IDS;
        }
    }
}
