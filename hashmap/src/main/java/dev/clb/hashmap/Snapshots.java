package dev.clb.hashmap;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** What every strategy's snapshot does alike: membership checks, and its shares computed once on first use. */
final class Snapshots {
    private Snapshots() {
    }

    /** {@code nodes} plus {@code node}, refusing a name or ring id already there. */
    static <T> List<Node<T>> plus(List<Node<T>> nodes, Node<T> node) {
        for (Node<T> n : nodes) {
            if (n.name().equals(node.name())) throw new IllegalArgumentException("'" + node.name() + "' is already on the ring");
            if (n.ringId() == node.ringId()) throw new IllegalArgumentException("ring id " + node.ringId() + " is already taken");
        }
        List<Node<T>> more = new ArrayList<>(nodes);
        more.add(node);
        return List.copyOf(more);
    }

    static <T> List<Node<T>> minus(List<Node<T>> nodes, Node<T> gone) {
        List<Node<T>> fewer = new ArrayList<>(nodes);
        fewer.remove(gone);
        return List.copyOf(fewer);
    }

    /** A snapshot's shares of the six-digit ids; racing first readers may both count, and get equal maps. */
    static final class LazyShares {
        private final Ring<?> ring;
        private volatile Map<String, Long> shares;

        LazyShares(Ring<?> ring) {
            this.ring = ring;
        }

        Map<String, Long> get() {
            Map<String, Long> counted = shares;
            if (counted == null) {
                counted = Collections.unmodifiableMap(ring.requestShare(Ring.FIRST_SIX_DIGIT_ID, Ring.LAST_SIX_DIGIT_ID));
                shares = counted;
            }
            return counted;
        }
    }
}
