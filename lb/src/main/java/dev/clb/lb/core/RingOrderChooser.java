package dev.clb.lb.core;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.Replica;
import io.netty.util.concurrent.Ticker;
import java.util.List;

/**
 * The ring's owner first, then the strategy's fallback order, passing over replicas out of routing (ejected, or down);
 * the first attempt is one allocation-free lookup when its owner is in routing.
 */
final class RingOrderChooser implements ReplicaChooser {
    @Override
    public Node<Replica> pick(Ring<Replica> ring, long requestId, List<Replica> tried, Ticker clock) {
        if (tried.isEmpty()) {
            Node<Replica> owner = ring.lookup(requestId);
            if (owner == null || !owner.value().outOfRouting(clock)) return owner;
        }
        Node<Replica> firstEjected = null;
        for (Node<Replica> node : ring.fallbackOrder(requestId)) {
            if (tried.contains(node.value())) continue;
            if (!node.value().outOfRouting(clock)) return node;
            if (firstEjected == null) firstEjected = node;
        }
        return firstEjected;
    }
}
