package dev.clb.hashmap;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A placement algorithm with its parameters: {@link RingConfig} for the assignment's slot map, {@link HashRing.Config}
 * for points on a 64-bit circle, {@link MaglevTable.Config} for Maglev. Each builds its empty snapshot.
 */
public sealed interface RingStrategy permits RingConfig, HashRing.Config, MaglevTable.Config {
    List<String> NAMES = List.of("slots", "ring", "maglev");

    /** The short name {@code --strategy} takes. */
    String name();

    <T> Ring<T> empty();

    /** How many replicas fit at most. */
    int capacity();

    /**
     * Refuses a replica {@code name} of {@code weight} when the weight cannot apply here. Ring and Maglev apply any
     * weight; the slot map refuses all but 1.
     */
    default void checkWeight(String name, int weight) {
    }

    /** The parameters, each present only where it applies. */
    Description describe();

    record Description(String strategy, String hash, OptionalInt slots, OptionalInt vnodes, OptionalInt tableSize,
                       Optional<String> probe) {
    }

    /** Rejects a strategy name that is not one of {@link #NAMES}; returns it in lower case. */
    static String known(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        if (!NAMES.contains(key)) throw new IllegalArgumentException("unknown strategy '" + name + "'; known: " + String.join(", ", NAMES));
        return key;
    }
}
