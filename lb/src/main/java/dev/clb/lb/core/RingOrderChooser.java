package dev.clb.lb.core;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.Backend;
import java.util.List;

/** The ring's owner first, then the strategy's fallback order; the first attempt is one allocation-free lookup. */
final class RingOrderChooser implements ReplicaChooser {
    @Override
    public Node<Backend> pick(Ring<Backend> ring, long requestId, List<String> tried) {
        if (tried.isEmpty()) return ring.lookup(requestId);
        for (Node<Backend> node : ring.fallbackOrder(requestId)) {
            if (!tried.contains(node.name())) return node;
        }
        return null;
    }
}
