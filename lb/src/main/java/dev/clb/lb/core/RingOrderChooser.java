package dev.clb.lb.core;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.Replica;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The ring's owner first, then the strategy's fallback order, passing over replicas out of routing (ejected, or down)
 * and slow-starting ones that do not take the request id yet; the first attempt is one allocation-free lookup when its
 * owner takes it.
 */
final class RingOrderChooser implements ReplicaChooser {
    private final Supplier<Duration> slowStart;

    RingOrderChooser(Supplier<Duration> slowStart) {
        this.slowStart = slowStart;
    }

    @Override
    public Node<Replica> pick(Ring<Replica> ring, long requestId, List<Replica> tried, Ticker clock) {
        long window = slowStart.get().toNanos();
        if (tried.isEmpty()) {
            Node<Replica> owner = ring.lookup(requestId);
            if (owner == null || owner.value().takes(requestId, window, clock)) return owner;
        }
        Node<Replica> firstPassedOver = null;
        for (Node<Replica> node : ring.fallbackOrder(requestId)) {
            if (tried.contains(node.value())) continue;
            if (node.value().takes(requestId, window, clock)) return node;
            if (firstPassedOver == null) firstPassedOver = node;
        }
        return firstPassedOver;
    }
}
