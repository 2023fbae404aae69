package dev.clb.lb.membership;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Placement;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingFullException;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.runtime.ReplicaRuntime.Place;
import java.util.Optional;

/**
 * Where a replica sat in the map before it left (its ring id, weight and slots), so that another, or itself, can sit
 * there again.
 */
record Seat(int ringId, int weight, Optional<Placement> placement) {

    /** The seat of {@code hostname} on {@code ring}, which must hold it. */
    static Seat of(Ring<Replica> ring, String hostname) {
        Node<Replica> node = ring.node(hostname);
        return new Seat(node.ringId(), node.weight(), ring.placement(hostname));
    }

    /** The place of a replica that sits here, having joined the map at {@code joined}: what the runtime records with it. */
    Place place(long joined) {
        return new Place(ringId, joined, placement);
    }

    /**
     * Adds {@code replica} to {@code map} on this seat, with its weight; on the smallest free ring id instead when
     * someone took this one meanwhile (an {@code /add}).
     */
    Node<Replica> takeIn(ConsistentHashMap<Replica> map, Replica replica) throws RingFullException {
        boolean free = map.ring().nodes().stream().noneMatch(n -> n.ringId() == ringId);
        return free ? map.add(new Node<>(replica.hostname(), ringId, weight, replica), placement) : map.add(replica.hostname(), weight, replica);
    }
}
