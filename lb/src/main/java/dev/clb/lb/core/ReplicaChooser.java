package dev.clb.lb.core;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.Backend;
import java.util.List;
import java.util.OptionalDouble;

/** Picks the replica for each attempt at a request: the ring's own choice, or that choice under bounded loads. */
public interface ReplicaChooser {

    /**
     * The replica for the next attempt at {@code requestId} on {@code ring}, none of {@code tried} (hostnames of earlier
     * attempts, empty on the first); null when no replica is left.
     */
    Node<Backend> pick(Ring<Backend> ring, long requestId, List<String> tried);

    /** Bounded loads with {@code factor} over {@code inFlight} when present, else the ring's order alone. */
    static ReplicaChooser of(OptionalDouble factor, InFlight inFlight) {
        return factor.isPresent() ? new BoundedLoadChooser(factor.getAsDouble(), inFlight::of, inFlight::total) : new RingOrderChooser();
    }
}
