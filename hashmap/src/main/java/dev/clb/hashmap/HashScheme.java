package dev.clb.hashmap;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A named pair of hash functions: H for request ids and Φ for virtual servers.
 * The name is what {@code --hash} takes on the command line.
 */
public record HashScheme(String name, String description, RequestHash request, VirtualServerHash virtualServer) {

    /** The assignment's pair: H(i) = i² + 2i + 17, Φ(i, j) = i² + j² + 2j + 25, both mod M. */
    public static final HashScheme ASSIGNMENT = new HashScheme("assignment",
            "H(i) = i^2 + 2i + 17, Phi(i, j) = i^2 + j^2 + 2j + 25 (mod M), as in the assignment",
            (id, m) -> {
                long i = Math.floorMod(id, m); // (i mod M)^2 ≡ i^2 (mod M), and it cannot overflow
                return (int) ((i * i + 2 * i + 17) % m);
            },
            (ringId, j, m) -> {
                long i = Math.floorMod(ringId, m);
                return (int) ((i * i + (long) j * j + 2L * j + 25) % m);
            });

    /** MurmurHash3's 64-bit finaliser on both sides: every input bit affects every output bit. */
    public static final HashScheme MURMUR = new HashScheme("murmur",
            "MurmurHash3 fmix64 of the request id; of (ring id, j) for virtual servers",
            (id, m) -> (int) Long.remainderUnsigned(Mixers.fmix64(id), m),
            (ringId, j, m) -> (int) Long.remainderUnsigned(Mixers.fmix64(((long) ringId << 32) ^ j ^ 0x9E3779B97F4A7C15L), m));

    /**
     * 64-bit FNV-1a over the bytes of the inputs, xor-folded: a different, cheaper family than Murmur. Unfolded,
     * its low bits depend only on the inputs' low bits, which a power-of-two M would expose.
     */
    public static final HashScheme FNV = new HashScheme("fnv",
            "64-bit FNV-1a, xor-folded, over the 8 bytes of the request id; over ring id and j for virtual servers",
            (id, m) -> (int) Long.remainderUnsigned(Mixers.fold(Mixers.fnv1a(Mixers.FNV_OFFSET, id)), m),
            (ringId, j, m) -> (int) Long.remainderUnsigned(Mixers.fold(Mixers.fnv1a(Mixers.fnv1a(Mixers.FNV_OFFSET, ringId), j)), m));

    public static final List<HashScheme> ALL = List.of(ASSIGNMENT, MURMUR, FNV);

    public static HashScheme named(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        return ALL.stream().filter(s -> s.name.equals(key)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "unknown hash '" + name + "'; known: " + ALL.stream().map(HashScheme::name).collect(Collectors.joining(", "))));
    }
}
