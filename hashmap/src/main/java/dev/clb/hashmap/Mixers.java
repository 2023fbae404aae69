package dev.clb.hashmap;

/** Bit mixers behind the well-mixed hash schemes; also used to turn string keys into request ids. */
public final class Mixers {
    static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Mixers() {
    }

    public static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    static long fnv1a(long hash, long value) {
        for (int b = 0; b < 8; b++) {
            hash ^= (value >>> (8 * b)) & 0xff;
            hash *= FNV_PRIME;
        }
        return hash;
    }

    static long fold(long hash) {
        return hash ^ (hash >>> 32) ^ (hash >>> 48);
    }

    /** A stable, non-negative 63-bit id for an arbitrary string key (FNV-1a over its UTF-16 chars). */
    public static long stableId(CharSequence key) {
        long hash = FNV_OFFSET;
        for (int i = 0; i < key.length(); i++) {
            hash ^= key.charAt(i);
            hash *= FNV_PRIME;
        }
        return hash & Long.MAX_VALUE;
    }
}
