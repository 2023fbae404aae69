package dev.clb.hashmap;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The {@code slots} strategy's shape: M slots, K virtual servers per replica, the hash pair and the probing.
 * The defaults are the assignment's: M = 512, K = log2(512) = 9, its hash pair, linear probing.
 */
public record RingConfig(int slots, int virtualServers, HashScheme scheme, Probing probing) implements RingStrategy {
    public static final int DEFAULT_SLOTS = 512;

    public RingConfig {
        if (slots < 1) throw new IllegalArgumentException("slots must be positive, got " + slots);
        if (virtualServers < 1) throw new IllegalArgumentException("virtual servers per replica must be positive, got " + virtualServers);
        if (virtualServers > slots) throw new IllegalArgumentException(
                "virtual servers per replica (" + virtualServers + ") cannot exceed slots (" + slots + ")");
    }

    public static RingConfig defaults() {
        return of(DEFAULT_SLOTS, HashScheme.ASSIGNMENT, Probing.LINEAR);
    }

    /** K defaults to log2(M), rounded up, at least 1. */
    public static RingConfig of(int slots, HashScheme scheme, Probing probing) {
        return new RingConfig(slots, Math.max(1, 32 - Integer.numberOfLeadingZeros(slots - 1)), scheme, probing);
    }

    @Override
    public String name() {
        return "slots";
    }

    @Override
    public <T> SlotRing<T> empty() {
        return SlotRing.empty(this);
    }

    /** How many replicas fit: each needs K free slots. */
    @Override
    public int capacity() {
        return slots / virtualServers;
    }

    /** The assignment's map places K virtual servers per replica, no more, no fewer: it has no weights. */
    @Override
    public void checkWeight(String name, int weight) {
        if (weight != 1) {
            throw new IllegalArgumentException("the slots strategy is the assignment's map, which has no weights: '" + name + "' has weight "
                    + weight + " (weights apply under the ring and maglev strategies)");
        }
    }

    /** What a {@link Placement} is valid for: placed under another M, K, hash pair or probing, its slots mean nothing here. */
    String layout() {
        return slots + "x" + virtualServers + "/" + scheme.name() + "/" + probing.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public Description describe() {
        return new Description(name(), scheme.name(), OptionalInt.of(slots), OptionalInt.of(virtualServers), OptionalInt.empty(),
                Optional.of(probing.name().toLowerCase(Locale.ROOT)));
    }
}
