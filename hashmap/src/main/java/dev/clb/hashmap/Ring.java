package dev.clb.hashmap;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable snapshot of the consistent hash map under one placement strategy: which replica serves a request id,
 * and where to go when it cannot. Every change builds a new snapshot ({@link #with}, {@link #without}); nothing in a
 * snapshot ever changes, so readers need no lock.
 *
 * <p>Every strategy places a replica by its ring id (and weight) alone, so a replacement that takes over a ring id
 * serves exactly the request ids its predecessor served.
 */
public sealed interface Ring<T> permits SlotRing, HashRing, MaglevTable {
    /** The six-digit request ids {@link #shares()} counts over: 100000–999999. */
    long FIRST_SIX_DIGIT_ID = 100_000, LAST_SIX_DIGIT_ID = 999_999;
    long SIX_DIGIT_IDS = LAST_SIX_DIGIT_ID - FIRST_SIX_DIGIT_ID + 1;

    /** The replica serving {@code requestId}, or null when there is none. Allocation-free. */
    Node<T> lookup(long requestId);

    /** Every replica once, in the order to try them for {@code requestId}: {@link #lookup}'s answer first. */
    List<Node<T>> fallbackOrder(long requestId);

    /** Replicas in the order they were added. */
    List<Node<T>> nodes();

    /** This snapshot plus {@code node}; this one is left as it is. */
    Ring<T> with(Node<T> node) throws RingFullException;

    /**
     * This snapshot plus {@code node} exactly at {@code placement} when it was made for this strategy and its slots
     * are free; otherwise as {@link #with(Node)}. Strategies that place by ring id alone ignore it.
     */
    default Ring<T> with(Node<T> node, Optional<Placement> placement) throws RingFullException {
        return with(node);
    }

    /**
     * Where {@code name} stands, when its ring id alone does not say it: the slot map's {@link Placement}. Empty for
     * strategies that place by ring id alone, and for a name not on this snapshot.
     */
    default Optional<Placement> placement(String name) {
        return Optional.empty();
    }

    /** This snapshot without the replica named {@code name} (this very snapshot when absent). */
    Ring<T> without(String name);

    /** The strategy and its parameters. */
    RingStrategy strategy();

    /**
     * How many six-digit request ids each replica serves, in node order: exact, computed once per snapshot on
     * first use. Divide by {@link #SIX_DIGIT_IDS} for the share.
     */
    Map<String, Long> shares();

    default int size() {
        return nodes().size();
    }

    default Node<T> node(String name) {
        for (Node<T> n : nodes()) {
            if (n.name().equals(name)) return n;
        }
        return null;
    }

    /** How many request ids in {@code [fromId, toId]} each replica serves, in node order. */
    default Map<String, Long> requestShare(long fromId, long toId) {
        List<Node<T>> nodes = nodes();
        Map<Node<T>, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < nodes.size(); i++) index.put(nodes.get(i), i);
        long[] counts = new long[nodes.size()];
        for (long id = fromId; id <= toId; id++) {
            Node<T> n = lookup(id);
            if (n != null) counts[index.get(n)]++;
        }
        Map<String, Long> share = new LinkedHashMap<>();
        for (int i = 0; i < counts.length; i++) share.put(nodes.get(i).name(), counts[i]);
        return share;
    }
}
