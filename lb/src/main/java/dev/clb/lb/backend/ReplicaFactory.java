package dev.clb.lb.backend;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the {@link Replica} objects: each with a slot per event loop and its meters in {@code registry}; and counts
 * the attempts in flight to all of them (one shared counter, for the bounded-load cap and draining).
 */
public final class ReplicaFactory {
    private final int loops;
    private final MeterRegistry registry;
    private final AtomicInteger allInFlight = new AtomicInteger();

    /** {@code ioThreads}: the event loops that will reach the replicas; 0 for one per core, as the server then makes. */
    public ReplicaFactory(int ioThreads, MeterRegistry registry) {
        if (ioThreads < 0) throw new IllegalArgumentException("the number of event loops must not be negative, got " + ioThreads);
        this.loops = ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
        this.registry = registry;
    }

    /** How many event loops the replicas have a slot for: the server must make no more. */
    public int loops() {
        return loops;
    }

    /** The replica at {@code address}; its series are registered when it joins the ring. */
    public Replica of(Backend address) {
        return new Replica(address, allInFlight, loops, ReplicaMeters.of(registry, address.hostname()));
    }

    /** The admin server, on its loopback {@code port}, as the proxy reaches it: not counted in flight, never in a ring. */
    public Replica admin(int port) {
        return new Replica(Backend.admin(port), new AtomicInteger(), loops, ReplicaMeters.answersOnly(registry, Backend.ADMIN));
    }

    /** Attempts in flight to all replicas now. */
    public int inFlight() {
        return allInFlight.get();
    }
}
