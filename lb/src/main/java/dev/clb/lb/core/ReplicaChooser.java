package dev.clb.lb.core;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.Replica;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/** Picks the replica for each attempt at a request: the ring's own choice, or that choice under bounded loads. */
public interface ReplicaChooser {

    /**
     * The replica for the next attempt at {@code requestId} on {@code ring}, none of {@code tried} (the replicas of earlier
     * attempts, by identity; empty on the first); null when no replica is left. A replica ejected as an outlier at
     * {@code clock}'s now, or within its slow start and not taking {@code requestId} yet, is passed over as a tried
     * one is, but asked when every other one was tried.
     */
    Node<Replica> pick(Ring<Replica> ring, long requestId, List<Replica> tried, Ticker clock);

    /**
     * Bounded loads with {@code factor} over {@code inFlight} (to all replicas) when present, else the ring's order
     * alone; either with the slow-start window {@code slowStart} gives, read per request (zero: off).
     */
    static ReplicaChooser of(OptionalDouble factor, IntSupplier inFlight, Supplier<Duration> slowStart) {
        return factor.isPresent() ? new BoundedLoadChooser(factor.getAsDouble(), inFlight, slowStart) : new RingOrderChooser(slowStart);
    }
}
