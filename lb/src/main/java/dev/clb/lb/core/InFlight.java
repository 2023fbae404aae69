package dev.clb.lb.core;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests in flight to each replica, by hostname, and in all. The event loops count here without a shared lock
 * (one atomic per replica, one for the total); bounded loads, draining a removed replica and the metrics read it.
 */
public final class InFlight {
    private final ConcurrentHashMap<String, AtomicInteger> perReplica = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    /** The value of a counter {@link #forget} is taking out of the map. */
    private static final int FORGOTTEN = Integer.MIN_VALUE;

    /** An attempt to {@code hostname} starts; every call is matched by one {@link #end}. */
    public void begin(String hostname) {
        while (true) {
            AtomicInteger count = counter(hostname);
            int n = count.get();
            if (n == FORGOTTEN) { // being forgotten at this moment: count on the counter that replaces it
                perReplica.remove(hostname, count);
            } else if (count.compareAndSet(n, n + 1)) {
                break;
            }
        }
        total.incrementAndGet();
    }

    public void end(String hostname) {
        counter(hostname).decrementAndGet();
        total.decrementAndGet();
    }

    public int of(String hostname) {
        AtomicInteger count = perReplica.get(hostname);
        int n = count == null ? 0 : count.get();
        return n == FORGOTTEN ? 0 : n;
    }

    public int total() {
        return total.get();
    }

    /**
     * Forgets a replica that is gone and has nothing in flight any more. The counter is marked {@link #FORGOTTEN} in the
     * same step as it is checked for 0, so a {@link #begin} racing with this either counts before (and the replica is
     * kept) or sees the mark and counts on a new counter: never on one that is no longer in the map, whose {@link #end}
     * would then take a fresh counter below zero.
     */
    public void forget(String hostname) {
        perReplica.computeIfPresent(hostname, (name, count) -> count.compareAndSet(0, FORGOTTEN) ? null : count);
    }

    /**
     * Forgets every replica that is not in {@code ring} and has nothing in flight; called with each new ring, so that a
     * failed replica leaves no counter behind (every replacement has a new hostname: a crash loop would otherwise keep
     * one each). One still busy then is forgotten with a later ring.
     */
    public void retainOnly(Collection<String> ring) {
        Set<String> keep = Set.copyOf(ring);
        for (String hostname : perReplica.keySet()) {
            if (!keep.contains(hostname)) forget(hostname);
        }
    }

    private AtomicInteger counter(String hostname) {
        AtomicInteger count = perReplica.get(hostname);
        return count != null ? count : perReplica.computeIfAbsent(hostname, name -> new AtomicInteger());
    }
}
