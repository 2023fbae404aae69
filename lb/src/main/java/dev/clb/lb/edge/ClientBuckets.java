package dev.clb.lb.edge;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * One token bucket per client, in one table for every event loop, so that a client's limit does not multiply with the
 * connections it opens or the loops they land on. A client is an IPv4 address, or an IPv6 /64: an IPv6 host is given a
 * whole /64 (a LAN's prefix, SLAAC and privacy addresses), so keyed by address it could take a new bucket, with a fresh
 * burst, for every request, and flood the table with them.
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
    private static final Function<Object, AtomicLong> FULL = client -> new AtomicLong(Long.MIN_VALUE);

    private final long intervalNanos;
    private final long depthNanos;
    /** Keyed by {@link #clientOf}: an {@link InetAddress} (IPv4) or a {@link Slash64}. */
    private final Cache<Object, AtomicLong> buckets;

    ClientBuckets(RequestRate rate, int maxClients) {
        intervalNanos = rate.intervalNanos();
        depthNanos = Math.multiplyExact(intervalNanos, (long) rate.burst());
        buckets = Caffeine.newBuilder().maximumSize(maxClients).executor(Runnable::run).build();
    }

    /** An IPv6 network of 64 bits, the address's first 8 bytes; shown as the 429 names it. */
    private record Slash64(long prefix) {
        @Override
        public String toString() {
            return String.format("%x:%x:%x:%x::/64", prefix >>> 48, (prefix >>> 32) & 0xffff, (prefix >>> 16) & 0xffff, prefix & 0xffff);
        }
    }

    /** The client {@code address} belongs to: itself (IPv4), or its /64 (IPv6). */
    private static Object clientOf(InetAddress address) {
        if (!(address instanceof Inet6Address)) return address;
        byte[] bytes = address.getAddress();
        long prefix = 0;
        for (int i = 0; i < 8; i++) prefix = prefix << 8 | (bytes[i] & 0xff);
        return new Slash64(prefix);
    }

    /** The client {@code address} belongs to, as a message names it: {@code 192.0.2.1}, {@code 2001:db8:1:2::/64}. */
    static String clientName(InetAddress address) {
        return address instanceof Inet6Address ? clientOf(address).toString() : address.getHostAddress();
    }

    /**
     * Takes a token from the bucket of the client {@code address} belongs to, at {@code nowNanos}: 0 if there was one,
     * else the nanoseconds until one is back.
     */
    long take(InetAddress address, long nowNanos) {
        AtomicLong fullAt = buckets.get(clientOf(address), FULL);
        while (true) {
            long full = fullAt.get();
            long next = Math.max(full, nowNanos) + intervalNanos;
            long wait = next - nowNanos - depthNanos;
            if (wait > 0) return wait;
            if (fullAt.compareAndSet(full, next)) return 0;
        }
    }
}
