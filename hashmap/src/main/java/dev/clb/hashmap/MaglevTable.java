package dev.clb.hashmap;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Maglev hashing (Eisenbud et al., NSDI 2016; Envoy's {@code maglev}): a lookup table of M entries, M prime, that the
 * replicas fill in turns, each taking the next free entry of its own permutation of the table. Unweighted, every
 * replica ends with floor(M/N) or ceil(M/N) entries, so the split is even to within N/M; a change of membership moves little
 * more than the keys that must move.
 *
 * <p>A replica's permutation is (offset + k·skip) mod M, offset and skip from two independent hashes of its ring id,
 * and the replicas take turns in ring-id order, so the table depends on the set of ring ids (and weights) alone: a
 * replacement on the same ring id finds the very same table. A request goes to entry fmix64(id) scaled to [0, M).
 *
 * <p>Weights thin out the turns, as Envoy's and Katran's (MaglevHashV2) weighted Maglev do: in round r a replica of
 * weight W takes its turn only while it has taken no more than r·W / Wmax turns (Wmax the largest weight), so the
 * heaviest replicas take every round and each ends with W / ΣW of the entries to within N + 1. Every replica takes
 * the first round, so each holds an entry; with every weight 1 each takes every round: the unweighted table.
 */
public final class MaglevTable<T> implements Ring<T> {
    public static final int DEFAULT_TABLE_SIZE = 65537;
    static final int MAX_TABLE_SIZE = 1 << 24;
    private static final long OFFSET_SALT = 0xbb67ae8584caa73bL, SKIP_SALT = 0x3c6ef372fe94f82bL;

    /** The {@code maglev} strategy: a table of {@code tableSize} entries, a prime. */
    public record Config(int tableSize) implements RingStrategy {
        public Config {
            if (tableSize < 2 || tableSize > MAX_TABLE_SIZE || !BigInteger.valueOf(tableSize).isProbablePrime(64)) {
                throw new IllegalArgumentException("the Maglev table size must be a prime between 2 and " + MAX_TABLE_SIZE
                        + " (e.g. 65537 or 655373), got " + tableSize);
            }
        }

        @Override
        public String name() {
            return "maglev";
        }

        @Override
        public <T> MaglevTable<T> empty() {
            return new MaglevTable<>(this, List.of());
        }

        /** Every replica needs an entry of its own. */
        @Override
        public int capacity() {
            return tableSize;
        }

        @Override
        public Description describe() {
            return new Description(name(), "murmur", OptionalInt.empty(), OptionalInt.empty(), OptionalInt.of(tableSize), Optional.empty());
        }
    }

    private final Config config;
    private final List<Node<T>> nodes;
    private final Node<T>[] entries;
    private final Snapshots.LazyShares shares = new Snapshots.LazyShares(this);

    private MaglevTable(Config config, List<Node<T>> nodes) {
        this.config = config;
        this.nodes = nodes;
        this.entries = populate(config.tableSize(), nodes);
    }

    static int offset(int ringId, int m) {
        return (int) Long.remainderUnsigned(Mixers.fmix64(ringId ^ OFFSET_SALT), m);
    }

    static int skip(int ringId, int m) {
        return (int) Long.remainderUnsigned(Mixers.fmix64(ringId ^ SKIP_SALT), m - 1) + 1;
    }

    @SuppressWarnings("unchecked")
    private static <T> Node<T>[] populate(int m, List<Node<T>> nodes) {
        Node<T>[] entries = (Node<T>[]) new Node<?>[m];
        if (nodes.isEmpty()) return entries;
        List<Node<T>> turns = new ArrayList<>(nodes);
        turns.sort(Comparator.comparingInt(Node::ringId));
        int n = turns.size();
        int[] next = new int[n];
        int[] skip = new int[n];
        int heaviest = 1;
        for (int i = 0; i < n; i++) {
            next[i] = offset(turns.get(i).ringId(), m);
            skip[i] = skip(turns.get(i).ringId(), m);
            heaviest = Math.max(heaviest, turns.get(i).weight());
        }
        // due[i] = turns replica i has taken × heaviest; it takes round r's turn when r × its weight reaches that
        long[] due = new long[n];
        int filled = 0;
        for (long round = 1; ; round++) {
            for (int i = 0; i < n; i++) {
                if (round * turns.get(i).weight() < due[i]) continue;
                due[i] += heaviest;
                // m is prime and 0 < skip < m, so the permutation reaches every entry and a free one is found
                int c = next[i];
                while (entries[c] != null) c = step(c, skip[i], m);
                entries[c] = turns.get(i);
                next[i] = step(c, skip[i], m);
                if (++filled == m) return entries;
            }
        }
    }

    private static int step(int c, int skip, int m) {
        int s = c + skip;
        return s >= m ? s - m : s;
    }

    /** The table entry of {@code requestId}: the top 32 bits of its hash scaled to [0, M), a multiply instead of a division. */
    int entryOf(long requestId) {
        return (int) (((Mixers.fmix64(requestId) >>> 32) * entries.length) >>> 32);
    }

    @Override
    public Node<T> lookup(long requestId) {
        return entries[entryOf(requestId)];
    }

    /** Distinct owners of the entries met walking the table forward from the request's entry. */
    @Override
    public List<Node<T>> fallbackOrder(long requestId) {
        List<Node<T>> order = new ArrayList<>(nodes.size());
        int start = entryOf(requestId);
        for (int step = 0; step < entries.length && order.size() < nodes.size(); step++) {
            Node<T> n = entries[(start + step) % entries.length];
            if (!order.contains(n)) order.add(n);
        }
        return order;
    }

    @Override
    public List<Node<T>> nodes() {
        return nodes;
    }

    @Override
    public MaglevTable<T> with(Node<T> node) throws RingFullException {
        List<Node<T>> more = Snapshots.plus(nodes, node);
        if (more.size() > entries.length) {
            throw new RingFullException("no room for '" + node.name() + "': a Maglev table of " + entries.length
                    + " entries holds at most " + entries.length + " replicas");
        }
        return new MaglevTable<>(config, more);
    }

    @Override
    public MaglevTable<T> without(String name) {
        Node<T> gone = node(name);
        return gone == null ? this : new MaglevTable<>(config, Snapshots.minus(nodes, gone));
    }

    @Override
    public Config strategy() {
        return config;
    }

    @Override
    public Map<String, Long> shares() {
        return shares.get();
    }

    /** The owner of each entry, by name (null where empty): the whole table, to compare two of them. */
    String[] ownerNames() {
        String[] names = new String[entries.length];
        for (int e = 0; e < entries.length; e++) names[e] = entries[e] == null ? null : entries[e].name();
        return names;
    }
}
