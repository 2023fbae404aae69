package dev.clb.analyzer.stats;

import dev.clb.analyzer.traffic.RequestIds;
import dev.clb.hashmap.HashScheme;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Probing;
import dev.clb.hashmap.SlotRing;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingFullException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * What the hash map predicts, straight from its API: the ring a load balancer builds for replicas with ring ids
 * 1..N (in the order {@code /rep} lists them, as on a fresh load balancer scaled by adding and removing the newest),
 * and the exact share of all 6-digit request ids each of them serves.
 */
public final class ExpectedSplit {
    private static final Map<List<Object>, long[]> idCounts = new ConcurrentHashMap<>();

    private ExpectedSplit() {
    }

    /** The load balancer's default ring shape (M = 512, K = 9, linear probing) with {@code hash}. */
    public static RingConfig defaultConfig(HashScheme hash) {
        return RingConfig.of(RingConfig.DEFAULT_SLOTS, hash, Probing.LINEAR);
    }

    public static SlotRing<String> ring(HashScheme hash, List<String> hostnames) {
        return ring(defaultConfig(hash), hostnames);
    }

    /** A ring with {@code hostnames} at ring ids 1..N, in order. */
    public static SlotRing<String> ring(RingConfig config, List<String> hostnames) {
        SlotRing<String> ring = SlotRing.empty(config);
        try {
            for (int i = 0; i < hostnames.size(); i++) ring = ring.with(new Node<>(hostnames.get(i), i + 1, hostnames.get(i)));
        } catch (RingFullException e) {
            throw new IllegalArgumentException(hostnames.size() + " replicas do not fit the ring: " + e.getMessage(), e);
        }
        return ring;
    }

    /** How many of the 900,000 six-digit ids ring ids 1..n serve, index 0 for ring id 1. */
    public static long[] idCounts(RingConfig config, int n) {
        return idCounts.computeIfAbsent(List.of(config, n), key -> {
            List<String> names = IntStream.rangeClosed(1, n).mapToObj(i -> "ring-id-" + i).toList();
            return ring(config, names).requestShare(RequestIds.FIRST, RequestIds.LAST).values().stream().mapToLong(Long::longValue).toArray();
        }).clone();
    }

    public static double[] shares(HashScheme hash, int n) {
        return shares(defaultConfig(hash), n);
    }

    /** The share of requests ring ids 1..n get, index 0 for ring id 1. */
    public static double[] shares(RingConfig config, int n) {
        long[] counts = idCounts(config, n);
        double total = RequestIds.LAST - RequestIds.FIRST + 1;
        double[] shares = new double[n];
        for (int i = 0; i < n; i++) shares[i] = counts[i] / total;
        return shares;
    }
}
