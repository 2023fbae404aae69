package dev.clb.hashmap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Ring hash (ketama; Envoy's {@code ring_hash}, nginx's {@code hash consistent}): every replica puts
 * {@code pointsPerReplica} points on a 64-bit circle (times its weight), and a request goes to the first point
 * clockwise from fmix64(request id). More points buy a more even split with more memory.
 *
 * <p>The points are fmix64 of (ring id, j): fmix64 is a bijection, so points of distinct ring ids never collide and a
 * replacement on the same ring id gets exactly its predecessor's points. A replica that joins or leaves moves only the
 * arcs its own points end. Lookups hash once, index a bucket table by the hash's top bits, and scan the one or two
 * points of that bucket: no search, no allocation.
 */
public final class HashRing<T> implements Ring<T> {
    public static final int DEFAULT_POINTS = 160;
    /** At most this many points in all (2 MiB of points), so a build stays well under a second. */
    static final int MAX_POINTS = 1 << 18;
    private static final int MAX_BUCKET_BITS = 19;
    private static final long POINT_SALT = 0x6a09e667f3bcc909L;

    /** The {@code ring} strategy: {@code pointsPerReplica} points per replica. */
    public record Config(int pointsPerReplica) implements RingStrategy {
        public Config {
            if (pointsPerReplica < 1 || pointsPerReplica > MAX_POINTS) {
                throw new IllegalArgumentException("points per replica must be between 1 and " + MAX_POINTS + ", got " + pointsPerReplica);
            }
        }

        @Override
        public String name() {
            return "ring";
        }

        @Override
        public <T> HashRing<T> empty() {
            return new HashRing<>(this, List.of());
        }

        @Override
        public int capacity() {
            return MAX_POINTS / pointsPerReplica;
        }

        @Override
        public Description describe() {
            return new Description(name(), "murmur", OptionalInt.empty(), OptionalInt.of(pointsPerReplica), OptionalInt.empty(), Optional.empty());
        }
    }

    private final Config config;
    private final List<Node<T>> nodes;
    /** Every point, in unsigned order. */
    private final long[] points;
    /** owners[k] placed points[k]. */
    private final Node<T>[] owners;
    private final int shift;
    /** firstInBucket[b]: index of the first point whose top bits are b or more; one extra entry at the end. */
    private final int[] firstInBucket;
    private final Snapshots.LazyShares shares = new Snapshots.LazyShares(this);

    @SuppressWarnings("unchecked")
    private HashRing(Config config, List<Node<T>> nodes) {
        this.config = config;
        this.nodes = nodes;
        int total = (int) totalPoints(config, nodes);
        // sorted with the sign bit flipped, signed order is unsigned order
        long[] flipped = new long[total];
        int filled = 0;
        for (Node<T> node : nodes) {
            for (int j = 0; j < pointsOf(config, node); j++) flipped[filled++] = point(node.ringId(), j) ^ Long.MIN_VALUE;
        }
        Arrays.sort(flipped);
        owners = (Node<T>[]) new Node<?>[total];
        for (Node<T> node : nodes) {
            for (int j = 0; j < pointsOf(config, node); j++) owners[Arrays.binarySearch(flipped, point(node.ringId(), j) ^ Long.MIN_VALUE)] = node;
        }
        points = new long[total];
        for (int k = 0; k < total; k++) points[k] = flipped[k] ^ Long.MIN_VALUE;
        int bits = Math.min(MAX_BUCKET_BITS, 65 - Long.numberOfLeadingZeros(total));
        shift = 64 - bits;
        int buckets = 1 << bits;
        firstInBucket = new int[buckets + 1];
        int k = 0;
        for (int b = 0; b <= buckets; b++) {
            while (k < total && (points[k] >>> shift) < b) k++;
            firstInBucket[b] = k;
        }
    }

    /**
     * Points per replica times its weight: points 0..W·v-1, so a replica of weight 1 has exactly the points it had
     * before weights existed, and a weight changed from 1 to W keeps those and adds more.
     */
    private static int pointsOf(Config config, Node<?> node) {
        return config.pointsPerReplica() * node.weight();
    }

    private static long totalPoints(Config config, List<? extends Node<?>> nodes) {
        long total = 0;
        for (Node<?> node : nodes) total += pointsOf(config, node);
        return total;
    }

    /** Point {@code j} of the replica with {@code ringId}. */
    static long point(int ringId, int j) {
        return Mixers.fmix64(((long) ringId << 32 | j) ^ POINT_SALT);
    }

    /** Index of the first point at or clockwise after {@code hash}; {@code points.length} when it wraps. */
    private int firstAtOrAfter(long hash) {
        int b = (int) (hash >>> shift);
        int k = firstInBucket[b];
        int end = firstInBucket[b + 1];
        while (k < end && Long.compareUnsigned(points[k], hash) < 0) k++;
        return k;
    }

    @Override
    public Node<T> lookup(long requestId) {
        if (owners.length == 0) return null;
        int k = firstAtOrAfter(Mixers.fmix64(requestId));
        return owners[k == owners.length ? 0 : k];
    }

    /** Distinct owners of the points met walking clockwise from the request's hash. */
    @Override
    public List<Node<T>> fallbackOrder(long requestId) {
        List<Node<T>> order = new ArrayList<>(nodes.size());
        int start = firstAtOrAfter(Mixers.fmix64(requestId));
        for (int step = 0; step < owners.length && order.size() < nodes.size(); step++) {
            Node<T> n = owners[(start + step) % owners.length];
            if (!order.contains(n)) order.add(n);
        }
        return order;
    }

    @Override
    public List<Node<T>> nodes() {
        return nodes;
    }

    @Override
    public HashRing<T> with(Node<T> node) throws RingFullException {
        List<Node<T>> more = Snapshots.plus(nodes, node);
        if (totalPoints(config, more) > MAX_POINTS) {
            long weights = more.stream().mapToLong(Node::weight).sum();
            throw new RingFullException("no room for '" + node.name() + "': " + more.size() + " replicas"
                    + (weights == more.size() ? "" : " of weights summing to " + weights) + " x " + config.pointsPerReplica()
                    + " points exceed " + MAX_POINTS + " points");
        }
        return new HashRing<>(config, more);
    }

    @Override
    public HashRing<T> without(String name) {
        Node<T> gone = node(name);
        return gone == null ? this : new HashRing<>(config, Snapshots.minus(nodes, gone));
    }

    @Override
    public Config strategy() {
        return config;
    }

    @Override
    public Map<String, Long> shares() {
        return shares.get();
    }

    /** The points of {@code name}, in unsigned order (empty when absent). */
    public long[] points(String name) {
        Node<T> node = node(name);
        return java.util.stream.IntStream.range(0, points.length).filter(k -> owners[k] == node).mapToLong(k -> points[k]).toArray();
    }
}
