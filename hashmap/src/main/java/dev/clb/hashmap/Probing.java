package dev.clb.hashmap;

import java.util.Locale;

/** Open addressing for colliding virtual servers; the n-th probe from a home slot. */
public enum Probing {
    LINEAR {
        @Override
        int probe(int home, int attempt, int slots) {
            return (int) ((home + (long) attempt) % slots);
        }
    },
    QUADRATIC {
        @Override
        int probe(int home, int attempt, int slots) {
            return (int) ((home + (long) attempt * attempt) % slots);
        }
    };

    /** Slot tried at {@code attempt} (0 = the home slot itself). Callers stop after {@code slots} attempts. */
    abstract int probe(int home, int attempt, int slots);

    public static Probing named(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown probing '" + name + "'; known: linear, quadratic");
        }
    }
}
