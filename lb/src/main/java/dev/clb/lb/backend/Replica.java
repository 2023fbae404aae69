package dev.clb.lb.backend;

import io.netty.util.AsciiString;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One replica as the load balancer knows it (Envoy's {@code Host}, HAProxy's {@code struct server}): its address and
 * everything kept about it, in one owner: its requests in flight, its heartbeat {@link Health}, its outlier {@link Ejection}, its
 * {@link SlowStart}, its state on each event
 * loop ({@link ReplicaLoop}: idle connections, latency, hung tracking) and its {@link ReplicaMeters}. The ring holds these
 * objects, so whoever reaches a replica through the ring reads its state off it, without a lookup by name; its state goes
 * when nothing refers to it any more. Made by {@link ReplicaFactory}.
 */
public final class Replica {
    private final Backend address;
    private final AsciiString hostHeader;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger allInFlight;
    private final Health health = new Health();
    private final Ejection ejection = new Ejection();
    private final SlowStart slowStart = new SlowStart();
    /** Slot i belongs to event loop i and is made, read and written on that loop only. */
    private final ReplicaLoop[] loops;
    private final ReplicaMeters meters;

    Replica(Backend address, AtomicInteger allInFlight, int loops, ReplicaMeters meters) {
        this.address = address;
        this.hostHeader = AsciiString.cached(address.host() + ":" + address.port());
        this.allInFlight = allInFlight;
        this.loops = new ReplicaLoop[loops];
        this.meters = meters;
    }

    public Backend address() {
        return address;
    }

    public String hostname() {
        return address.hostname();
    }

    /** The Host header a request to it carries: its address, made once. */
    public AsciiString hostHeader() {
        return hostHeader;
    }

    /** An attempt on it starts; every call is matched by one {@link #end}. */
    public void begin() {
        inFlight.incrementAndGet();
        allInFlight.incrementAndGet();
    }

    public void end() {
        inFlight.decrementAndGet();
        allInFlight.decrementAndGet();
    }

    /** Attempts on it in flight now, read without a lock (bounded loads, draining, the dashboard). */
    public int inFlight() {
        return inFlight.get();
    }

    public Health health() {
        return health;
    }

    /**
     * Whether the choosers pass over it now, as they pass over a replica already tried: ejected as an outlier, or
     * declared down by the heartbeats (an instance of a cluster does so at once, before the leader replaces it).
     */
    public boolean outOfRouting(Ticker clock) {
        return health.isDown() || ejection.isEjected(clock);
    }

    /** Its outlier state: failures in a row, and whether it is ejected from routing. */
    public Ejection ejection() {
        return ejection;
    }

    /** When it joined the ring as a new or replacement replica, which its slow start runs from. */
    public SlowStart slowStart() {
        return slowStart;
    }

    /**
     * Whether a chooser may give it {@code requestId} at {@code clock}'s now: it is in routing, and takes the id under a
     * slow start of {@code slowStartNanos} (0: off, and its join time is not even read).
     */
    public boolean takes(long requestId, long slowStartNanos, Ticker clock) {
        return !outOfRouting(clock) && (slowStartNanos == 0 || slowStart.takes(requestId, slowStartNanos, clock));
    }

    /** Its state on event loop {@code loop} (the pool's index); call on that loop only. */
    public ReplicaLoop on(int loop) {
        ReplicaLoop state = loops[loop];
        if (state == null) {
            state = new ReplicaLoop();
            loops[loop] = state;
        }
        return state;
    }

    public ReplicaMeters meters() {
        return meters;
    }

    @Override
    public String toString() {
        return address.hostname();
    }
}
