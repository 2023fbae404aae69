package dev.clb.lb.edge;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * One token bucket per client address, in one table for every event loop, so that a client's limit does not multiply
 * with the connections it opens or the loops they land on.
 *
 * <p>A bucket is a single {@code AtomicLong}: the moment it will be full again (the generic cell rate algorithm, a token
 * bucket without a refill timer). A request at {@code now} pushes that moment one interval ({@code 1/rate}) further;
 * it is refused, and changes nothing, if the moment would then lie more than {@code burst} intervals ahead. Taking a
 * token is one compare-and-set after Caffeine's lock-free lookup.
 *
 * <p>The table is bounded by Caffeine: at most {@code maxClients} buckets, evicted by Window TinyLFU, which weighs how
 * often an address was seen and not only how recently, so a flood of one-off addresses pushes out a busy client's
 * bucket (handing it a fresh burst) less readily than an LRU would. An evicted client starts again with a full bucket. Caffeine's upkeep (eviction, its access buffers) runs on the caller's thread, amortised and under a
 * try-lock, so the bound holds without a thread of its own; a writer waits for that lock only when Caffeine's write
 * buffer is full.
 */
final class ClientBuckets {
    private static final Function<InetAddress, AtomicLong> FULL = client -> new AtomicLong(Long.MIN_VALUE);

    private final long intervalNanos;
    private final long depthNanos;
    private final Cache<InetAddress, AtomicLong> buckets;

    ClientBuckets(RequestRate rate, int maxClients) {
        intervalNanos = rate.intervalNanos();
        depthNanos = Math.multiplyExact(intervalNanos, (long) rate.burst());
        buckets = Caffeine.newBuilder().maximumSize(maxClients).executor(Runnable::run).build();
    }

    /** Takes a token from {@code client}'s bucket at {@code nowNanos}: 0 if there was one, else the nanoseconds until one is back. */
    long take(InetAddress client, long nowNanos) {
        AtomicLong fullAt = buckets.get(client, FULL);
        while (true) {
            long full = fullAt.get();
            long next = Math.max(full, nowNanos) + intervalNanos;
            long wait = next - nowNanos - depthNanos;
            if (wait > 0) return wait;
            if (fullAt.compareAndSet(full, next)) return 0;
        }
    }
}
