package dev.clb.analyzer.stats;

import dev.clb.analyzer.deploy.RingView;
import dev.clb.analyzer.traffic.RequestIds;
import dev.clb.hashmap.HashRing;
import dev.clb.hashmap.HashScheme;
import dev.clb.hashmap.MaglevTable;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Probing;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.SlotRing;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingFullException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * What the hash map predicts, straight from its API: the slot ring a load balancer builds for replicas with given
 * ring ids, and the exact share of all 6-digit request ids each of them serves. The explanations of
 * model ring ids 1..N (a freshly started load balancer); the measured runs take the ring ids from {@code /ring}.
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

    /**
     * The placement {@code /ring} describes, rebuilt from the hash map with its ring ids and weights, for a per-id
     * prediction. Ring and Maglev depend on the ring ids and weights alone. The slot ring probes colliding virtual servers to the next free
     * slot, so where they land depends on the order the replicas joined and left: it is rebuilt only when the ring ids
     * are 1..N in {@code /rep} order (grown in ring-id order, shrunk from its newest); after a replacement (ring id 1
     * listed last) it could differ from the load balancer's, and the shares from {@code /ring} remain the only model.
     */
    public static Optional<Ring<String>> model(RingView view) {
        Ring<String> ring;
        switch (view.strategy()) {
            case "slots" -> {
                if (view.slots() == null || view.hash() == null) return Optional.empty();
                for (int i = 0; i < view.replicas().size(); i++) if (view.replicas().get(i).ringId() != i + 1) return Optional.empty();
                Probing probing = view.probe() == null ? Probing.LINEAR : Probing.named(view.probe());
                RingConfig base = RingConfig.of(view.slots(), HashScheme.named(view.hash()), probing);
                ring = SlotRing.empty(view.vnodes() == null ? base : new RingConfig(view.slots(), view.vnodes(), base.scheme(), probing));
            }
            case "ring" -> ring = new HashRing.Config(view.vnodes() == null ? HashRing.DEFAULT_POINTS : view.vnodes()).empty();
            case "maglev" -> ring = new MaglevTable.Config(view.tableSize() == null ? MaglevTable.DEFAULT_TABLE_SIZE : view.tableSize()).empty();
            default -> {
                return Optional.empty();
            }
        }
        try {
            for (RingView.Replica r : view.replicas()) ring = ring.with(new Node<>(r.hostname(), r.ringId(), r.weight(), r.hostname()));
        } catch (RingFullException | IllegalArgumentException e) {
            return Optional.empty();
        }
        return Optional.of(ring);
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
