package dev.clb.lb.core;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.Replica;
import java.util.List;

/** The ring's owner first, then the strategy's fallback order; the first attempt is one allocation-free lookup. */
final class RingOrderChooser implements ReplicaChooser {
    @Override
    public Node<Replica> pick(Ring<Replica> ring, long requestId, List<Replica> tried) {
        if (tried.isEmpty()) return ring.lookup(requestId);
        for (Node<Replica> node : ring.fallbackOrder(requestId)) {
            if (!tried.contains(node.value())) return node;
        }
        return null;
    }
}
